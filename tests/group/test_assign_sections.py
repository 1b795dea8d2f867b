from digest.group import assign_sections

SPORT = [
    {"title": f"Football club wins league match {i}", "text": "The football team scored goals."}
    for i in range(6)
]
MONEY = [
    {"title": f"Bank shares fall as markets slide {i}", "text": "Investors sold bank shares."}
    for i in range(6)
]


def test_no_articles_give_no_sections():
    assert assign_sections([]) == []


def test_keyword_sections_are_honoured_first():
    articles = [
        {"title": "Tennis final tonight", "text": "", "categories": ["World"]},
        {"title": "Budget vote", "text": "Parliament voted.", "categories": ["Politics"]},
    ]
    names = assign_sections(articles, sections={"Sport": ["football", "tennis"]})
    assert names == ["Sport", "Politics"]


def test_feed_categories_are_used_when_present():
    articles = [{"title": "Anything", "text": "", "categories": ["technology"]}]
    assert assign_sections(articles) == ["Technology"]


def test_learned_sections_separate_topics_and_have_readable_names():
    names = assign_sections(SPORT + MONEY)
    assert len(set(names[:6])) == 1
    assert len(set(names[6:])) == 1
    assert names[0] != names[6]
    assert all(name and name[0].isupper() for name in names)


def test_a_single_article_gets_a_section():
    assert len(assign_sections([{"title": "Only one", "text": "Nothing else."}])) == 1


def test_learned_section_names_are_single_words_never_joined_pairs():
    names = assign_sections(SPORT + MONEY)
    assert all("&" not in name and len(name.split()) == 1 for name in names)
