"""Merge rules on small hand-made editions: precision first, reprints always join."""

from digest.group import cluster_stories

POLITICS = [
    (
        "Chancellor defends Budget as opposition attacks tax rises",
        "The chancellor defended his Budget in the Commons on Wednesday after the opposition "
        "said the tax rises on fuel and alcohol would hit working families hardest. Treasury "
        "figures show the changes raise four billion pounds a year by 2027.",
    ),
    (
        "Prime minister apologises over wrongful jailings",
        "The prime minister apologised in parliament to eleven people who were wrongly jailed "
        "after a police laboratory mixed up forensic samples. The families said the apology "
        "came years too late and asked for compensation to be paid quickly.",
    ),
    (
        "Home secretary tightens asylum rules",
        "Asylum seekers will have to report weekly to immigration officers under rules the home "
        "secretary announced on Tuesday. Refugee charities said the plan would push vulnerable "
        "people away from legal advice and into detention centres.",
    ),
    (
        "National insurance rise delayed until next year",
        "The government has delayed a planned rise in national insurance contributions until "
        "April next year, ministers confirmed. Business groups welcomed the pause, which they "
        "said would protect hiring by small employers during the slowdown.",
    ),
    (
        "Opposition leader accuses government of lies over election date",
        "The opposition leader accused the government of misleading voters about the timing of "
        "the general election, in a speech to party activists in Manchester. Ministers replied "
        "that no date had been chosen and called the claim desperate.",
    ),
    (
        "MPs vote to extend maternity pay to nine months",
        "Mothers will be able to claim statutory maternity pay for nine months instead of six "
        "after MPs backed the change by a large majority. Employers' groups warned of the cost "
        "to small firms, while unions said the reform was overdue.",
    ),
]


def edition(pairs: list[tuple[str, str]]) -> list[dict]:
    return [{"title": title, "text": text} for title, text in pairs]


def test_different_stories_on_one_subject_stay_apart():
    labels = cluster_stories(edition(POLITICS))
    assert len(set(labels)) == len(POLITICS)


def test_a_reprint_under_another_headline_with_a_trailer_joins_its_original():
    title, text = POLITICS[2]
    reprint = (
        "Asylum seekers face weekly reporting",
        text + " This story is brought to you by Harbour Bank, proud sponsor of local news.",
    )
    labels = cluster_stories(edition([*POLITICS, reprint]))
    assert labels[2] == labels[-1]
    assert len(set(labels)) == len(POLITICS)


def test_identical_copies_join_even_in_a_large_batch():
    copies = edition(POLITICS) * 3
    labels = cluster_stories(copies)
    assert labels == list(range(len(POLITICS))) * 3


def test_two_reports_of_one_event_join():
    second = (
        "Budget tax rises on fuel and alcohol defended by chancellor",
        "Facing opposition attacks in the Commons, the chancellor defended the Budget's tax "
        "rises on fuel and alcohol, which Treasury figures say raise four billion pounds a year.",
    )
    labels = cluster_stories(edition([*POLITICS, second]))
    assert labels[0] == labels[-1]
    assert len(set(labels)) == len(POLITICS)


def test_headlines_about_one_company_but_different_events_stay_apart():
    headlines = [
        "Apple unveils new iPhone with larger screen",
        "Apple loses patent case against Samsung in German court",
        "Apple shares fall after weak China sales",
        "Apple to open first store in India next month",
    ]
    labels = cluster_stories([{"title": h} for h in headlines])
    assert len(set(labels)) == len(headlines)
