"""Rare names shared by full texts: what counts as one, and the reports it joins."""

from dataclasses import replace

from digest.group import cluster_stories
from digest.group.stories import DEFAULT_SETTINGS, shared_names

FIRST_REPORT = (
    "Police hunt suspect after raids across two cities",
    "Officers searched eleven homes overnight and arrested four people, the interior ministry "
    "said, as the search for the man believed to have planned the shootings went on. "
    "Investigators now think Karim Oudjani travelled from Molenbeek in a rented Clio two days "
    "before the attack on the Verlaine concert hall. Prosecutor Anne Destrieux said the "
    "weapons had been bought in Antwerp. Witnesses at the Rue Faidherbe cafe described three "
    "gunmen wearing dark clothes. The ministry said patrols would stay on the streets until "
    "the weekend and asked residents to report anything unusual to a free telephone line.",
)
FOLLOW_UP = (
    "Hunt for suspect ends in dawn siege",
    "The search for the man believed to have planned the shootings ended on Wednesday when "
    "armed officers stormed a flat in the north of the capital, the interior ministry said. "
    "Fingerprints identified the body as Karim Oudjani, sought since the Verlaine concert "
    "hall attack. Anne Destrieux told reporters that a second body had not yet been named. "
    "A rifle bought in Antwerp was among the guns recovered, and a Clio rented in Molenbeek "
    "had been traced to the street last week. Ministers praised the officers who took part.",
)
OTHERS = [
    (
        "Council approves new cycle lanes",
        "The council voted on Tuesday to build forty kilometres of protected cycle lanes over "
        "three years. Shopkeepers on the high street worried about losing parking spaces, but "
        "the transport committee said surveys showed most customers arrived on foot or by bus. "
        "Work on the first stretch, beside the river, begins in the spring.",
    ),
    (
        "Bakery chain to open thirty shops",
        "A regional bakery chain plans to open thirty shops next year and hire six hundred "
        "staff, its founder said. The company reported sales up by a fifth as customers "
        "returned to town centres. Flour prices remain a worry, the finance director added, "
        "and the firm has fixed its costs for twelve months with its main supplier.",
    ),
]


def _articles(*pairs: tuple[str, str]) -> list[dict]:
    return [{"title": title, "text": text} for title, text in pairs]


def test_names_are_capitalised_words_inside_sentences_and_words_with_digits():
    articles = _articles(
        ("One", "Yesterday Flight MH370 left Kuala Lumpur. Search teams met Tuesday in Perth."),
        ("Two", "Families of MH370 passengers met in Perth. Then they flew to Kuala Lumpur."),
        ("Three", "Nothing shared here at all, neither names nor numbers of any kind anywhere."),
    )
    for article in articles:
        article["text"] += " filler words " * 20
    matrix = shared_names(articles, share=1.0)
    assert matrix.shape[0] == 3
    # mh370, kuala, lumpur, perth; "Yesterday", "Families" and "Then" open a sentence
    assert matrix[0].sum() == 4 and matrix[1].sum() == 4
    assert matrix[2].sum() == 0


def test_a_name_most_articles_carry_is_not_rare():
    text = "On Monday the London office said sales rose. " + "more words here " * 20
    articles = [{"title": f"Story {n}", "text": f"{text} Report number {n}."} for n in range(8)]
    assert shared_names(articles, share=0.25).sum() == 0


def test_headlines_alone_share_no_names():
    articles = [{"title": "Karim Oudjani killed"}, {"title": "Karim Oudjani named"}]
    assert shared_names(articles).sum() == 0


def test_reports_in_other_words_join_through_the_names_they_share():
    articles = _articles(FIRST_REPORT, *OTHERS, FOLLOW_UP)
    assert cluster_stories(articles) == [0, 1, 2, 0]
    without_names = replace(DEFAULT_SETTINGS, name_weight=0.0)
    assert cluster_stories(articles, settings=without_names) == [0, 1, 2, 3]
