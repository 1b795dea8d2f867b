"""A story whose event went out before is a repeat; with new facts, an update (once)."""

from digest.group.repeats import SentStory, find_repeats, new_facts

GAZETTE = SentStory(
    "Riverside Rovers Reach Cup Quarter-Finals",
    "Riverside Rovers beat Hollow Park 3-1 on Sunday to reach the quarter-finals of the county "
    "cup for the first time in twenty years. Striker Dana Okafor scored twice in the second half "
    "after the visitors had taken an early lead. The quarter-final draw takes place on Thursday.",
    edition_id=7,
)
HERALD = {
    "title": "Okafor Double Sends Rovers Into Cup Quarter-Finals",
    "text": "Riverside Rovers are into the quarter-finals of the county cup for the first time in "
    "twenty years after a 3-1 win over Hollow Park on Sunday. Dana Okafor scored twice after the "
    "break, once the visitors had gone ahead early. The draw is on Thursday.",
}
LATER = {
    "title": "Rovers Drawn at Home to Kingsford City in Cup Quarter-Final",
    "text": HERALD["text"] + " The club confirmed on Tuesday that Rovers will host Kingsford City "
    "on 12 December at Meadow Lane. Chairman Leon Abara said 4,000 extra tickets would be "
    "printed, priced at 8 pounds for adults and 2 pounds for children.",
}
OTHER = {
    "title": "Market Square Gets Its First Winter Ice Rink",
    "text": "A temporary ice rink will open on the market square on the first Saturday of "
    "December. The traders' association is paying for the rink, and skating will be free.",
}


def test_another_sources_version_of_a_sent_event_is_a_repeat_not_news():
    [repeat] = find_repeats([HERALD], [GAZETTE])
    assert repeat is not None
    assert repeat.edition_id == 7
    assert not repeat.is_update


def test_a_version_with_substantial_new_facts_is_an_update():
    [repeat] = find_repeats([LATER], [GAZETTE])
    assert repeat is not None and repeat.is_update
    assert any("Kingsford City" in fact for fact in repeat.new_facts)


def test_an_event_goes_out_as_an_update_once():
    sent_update = SentStory(LATER["title"], LATER["text"], edition_id=8, was_update=True)
    more = dict(
        LATER,
        text=LATER["text"] + " Kick-off was moved to 19:45 for live coverage on "
        "Channel 9, and Okafor was named the county's Player of the Month for November.",
    )
    [repeat] = find_repeats([more], [GAZETTE, sent_update])
    assert repeat is not None and not repeat.is_update
    assert repeat.edition_id == 7


def test_a_different_event_is_news():
    assert find_repeats([OTHER], [GAZETTE]) == [None]


def test_nothing_sent_means_nothing_repeats():
    assert find_repeats([HERALD, OTHER], []) == [None, None]


def test_reworded_sentences_are_not_new_facts():
    assert new_facts(HERALD["text"], [f"{GAZETTE.title} {GAZETTE.text}"]) == []


def test_a_columns_new_text_under_last_weeks_title_is_news():
    last_week = SentStory(
        "Weekly planning applications",
        "Plans for a two-storey extension on Mill Lane and a change of use for the former "
        "bank on Castle Street were lodged this week. The council will decide both in "
        "January, and residents have until the end of the month to comment online.",
        edition_id=9,
    )
    this_week = {
        "title": "Weekly planning applications",
        "text": "A supermarket chain wants to add forty parking spaces behind its store near "
        "the station, and a farmer has applied to turn two barns at Hollin Farm into holiday "
        "cottages. Objections can be sent by post or email before the decision date.",
    }
    assert find_repeats([this_week], [last_week]) == [None]
