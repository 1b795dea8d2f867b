"""Sections are called what a newspaper prints: the editor's words, then the feeds' categories
read through the shipped taxonomy, then the taxonomy when a topic's stories clearly match it,
else a distinctive word."""

from digest.group import assign_sections
from digest.group.taxonomy import NamingSettings, category_topic, group_topic, load_taxonomy

SPORT = [
    {
        "title": f"Striker scores twice as club wins cup match {i}",
        "text": "The team's coach "
        "praised the players after the league victory; fans filled the stadium for the final.",
    }
    for i in range(6)
]
MONEY = [
    {
        "title": f"Bank shares fall as markets slide {i}",
        "text": "Investors sold shares after "
        "the company reported lower profits; analysts expect inflation to slow growth.",
    }
    for i in range(6)
]
GARDENS = [
    {
        "title": f"Allotment tomatoes ripen early in greenhouse trial {i}",
        "text": "Gardeners "
        "on the allotment compared tomatoes, courgettes and marrows grown under glass.",
    }
    for i in range(6)
]


def test_stories_that_clearly_match_a_topic_take_the_name_a_newspaper_prints():
    names = assign_sections(SPORT + MONEY)
    assert set(names[:6]) == {"Sport"}
    assert set(names[6:]) == {"Business"}


def test_a_topic_the_taxonomy_does_not_know_is_named_by_its_distinctive_word():
    names = assign_sections(SPORT + GARDENS)
    assert set(names[:6]) == {"Sport"}
    gardens = set(names[6:])
    assert len(gardens) == 1 and gardens.pop() not in load_taxonomy().names


def test_feed_categories_that_mean_one_topic_make_one_section():
    articles = [
        {"title": "A", "text": "", "categories": ["sports"]},
        {"title": "B", "text": "", "categories": ["Sport"]},
        {"title": "C", "text": "", "categories": ["Football", "SPORTS"]},
        {"title": "D", "text": "", "categories": ["science_technology"]},
    ]
    assert assign_sections(articles) == ["Sport", "Sport", "Sport", "Technology"]


def test_the_category_most_sources_agree_on_wins():
    article = {"title": "A", "text": "", "categories": ["Community", "business", "Economy", "tech"]}
    assert assign_sections([article]) == ["Business"]


def test_a_category_the_taxonomy_does_not_know_is_kept_as_the_feed_wrote_it():
    articles = [{"title": "A", "text": "", "categories": ["Community"]}]
    assert assign_sections(articles) == ["Community"]
    assert category_topic("Community") is None


def test_the_editors_keyword_sections_win_over_the_taxonomy():
    names = assign_sections(SPORT + MONEY, sections={"Matchday": ["striker"]})
    assert set(names[:6]) == {"Matchday"}
    assert set(names[6:]) == {"Business"}


def test_a_topic_takes_a_name_only_with_a_margin_over_the_runner_up():
    sport, business = 2, 1
    assert load_taxonomy().names[sport] == "Sport"
    naming = NamingSettings(min_share=0.4, margin=0.2)
    assert group_topic([sport, sport, sport, business, None], naming) == "Sport"
    assert group_topic([sport, sport, business, business, None], naming) is None
    assert group_topic([sport, None, None, None, None], naming) is None
    assert group_topic([], naming) is None
