import random
from dataclasses import replace

from digest.group import cluster_stories
from digest.group.stories import DEFAULT_SETTINGS

HEADLINES = [
    "Apple unveils new iPhone with larger screen",
    "Apple's new iPhone gets a larger screen",
    "New iPhone from Apple has bigger screen, says company",
    "Malaysia Airlines flight MH370 still missing over sea",
    "Search continues for missing Malaysia Airlines flight MH370",
    "Missing MH370: Malaysia Airlines search widens at sea",
]


def test_no_articles_give_no_labels():
    assert cluster_stories([]) == []


def test_one_article_is_its_own_story():
    assert cluster_stories([{"title": "Lone headline about nothing"}]) == [0]


def test_identical_articles_share_a_story():
    article = {"title": "Storm hits the coast", "text": "A storm hit the coast overnight."}
    labels = cluster_stories([article, dict(article), dict(article)])
    assert len(set(labels)) == 1


def test_headlines_alone_separate_two_events():
    labels = cluster_stories([{"title": h} for h in HEADLINES])
    assert len(set(labels[:3])) == 1
    assert len(set(labels[3:])) == 1
    assert labels[0] != labels[3]


def test_stop_word_only_titles_do_not_fail():
    assert len(cluster_stories([{"title": "the"}, {"title": "and of"}])) == 2


def test_labels_are_numbered_in_order_of_first_appearance():
    labels = cluster_stories([{"title": h} for h in reversed(HEADLINES)])
    assert labels[0] == 0
    assert set(labels) == {0, 1}


def test_thousands_of_synthetic_articles_cluster_by_event():
    rng = random.Random(7)
    events = [f"topic{i} place{i} person{i} thing{i} matter{i}".split() for i in range(200)]
    truth, articles = [], []
    for _ in range(3000):
        event = rng.randrange(len(events))
        words = rng.sample(events[event], 4) + [f"noise{rng.randrange(100000)}"]
        truth.append(event)
        articles.append({"title": " ".join(words)})
    labels = cluster_stories(articles)
    by_label = {}
    for label, event in zip(labels, truth, strict=True):
        by_label.setdefault(label, set()).add(event)
    assert all(len(events) == 1 for events in by_label.values())
    assert len(set(labels)) <= 260


FILLERS = [
    "Apple unveils new iPhone with larger screen",
    "Storm floods coastal towns in Cornwall",
    "Chancellor announces fuel duty freeze",
    "Google buys smart thermostat maker Nest",
    "Bank of England holds interest rates",
    "Wimbledon champion retires at thirty",
    "Museum reopens after long restoration",
]


def test_headlines_in_other_word_forms_join_through_their_prefixes():
    pair = ["Volcano eruption grounds European flights", "Volcanic eruptions ground Europe flights"]
    articles = [{"title": title} for title in pair + FILLERS]
    words_only = replace(DEFAULT_SETTINGS, prefix_weight=0.0)
    assert cluster_stories(articles, settings=words_only)[:2] == [0, 1]
    labels = cluster_stories(articles)
    assert labels[0] == labels[1]
    assert len(set(labels)) == len(FILLERS) + 1


def test_one_word_headlines_alike_do_not_join_different_texts():
    texts = [
        "The harbour bridge reopened after eight months of cable repairs.",
        "Orchard growers expect a record apple harvest after a mild spring.",
        "The central library will stay open until ten on Friday evenings.",
    ]
    articles = [{"title": f"Story {n}", "text": text} for n, text in enumerate(texts, 1)]
    assert cluster_stories(articles) == [0, 1, 2]


def test_a_columns_title_alike_does_not_join_different_texts():
    texts = [
        "Rain will spread from the west this afternoon, with heavy bursts over the hills and a "
        "risk of flooding on low roads before clearer skies arrive overnight and temperatures "
        "fall close to freezing in rural areas.",
        "The harbour festival has moved indoors to the town hall after organisers decided the "
        "marquee could not be secured; ticket holders keep their times, and the craft market "
        "moves to the library next door for both days.",
        "Frost will linger in sheltered valleys until late morning, then sunshine for most, "
        "though a brisk northerly wind will make it feel colder on the coast, where gusts may "
        "reach fifty miles an hour by the evening.",
    ]
    articles = [{"title": "Morning briefing", "text": text} for text in texts]
    assert cluster_stories(articles) == [0, 1, 2]
