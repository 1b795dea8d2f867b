"""Edition snapshots for the render tests and bench/render.py."""

import copy

SECTION_NAMES = ("World", "Technology", "Science", "Business", "Climate", "Culture")
SOURCES = ("Reuters", "The Guardian", "Associated Press", "BBC News", "Ars Technica", "Le Monde")


def make_story(number: int, section: str) -> dict:
    """A story with realistic lengths: a long title, three summary sentences."""
    return {
        "title": f"Story {number}: regional officials outline a new plan for {section.lower()} "
        "policy after weeks of talks",
        "url": f"https://news.example.org/{section.lower()}/2026/11/25/story-{number}-plan-"
        "officials-outline-after-weeks-of-talks?utm_source=feed",
        "summary": [
            f"Officials presented the {section.lower()} plan on Tuesday after a long review "
            "that involved several agencies and outside experts.",
            "The proposal sets out a timetable for the next three years and asks for a "
            "modest increase in funding from the national budget.",
            "Critics said the measures did not go far enough, while supporters called them "
            "a realistic first step.",
        ],
        "source": SOURCES[number % 6],
        "image_url": f"https://img.example.org/{number}.jpg" if number % 3 == 0 else None,
        "image_alt": f"Photo for story {number}" if number % 3 == 0 else None,
        "also_covered_by": [s for s in SOURCES[: number % 5] if s != SOURCES[number % 6]],
        "published_at": "2026-11-25T07:30:00+00:00",
        "topics": [section.lower()],
    }


def make_snapshot(story_count: int = 6, section_count: int = 3) -> dict:
    """A snapshot with story_count stories spread over section_count sections."""
    names = SECTION_NAMES[:section_count]
    sections = [{"name": name, "stories": []} for name in names]
    for number in range(story_count):
        section = sections[number % section_count]
        section["stories"].append(make_story(number, section["name"]))
    return copy.deepcopy(
        {
            "newsletter": {
                "slug": "morning",
                "title": "The Morning Digest",
                "lang": "en",
                "postal_address": "Digest Ltd\n1 Example Street\nLondon",
            },
            "edition": {
                "id": 42,
                "subject": "Your morning digest",
                "intro": "Good morning.\n\nA busy day in the news.",
                "date": "2026-11-25",
                "archive_url": "https://digest.example.org/archive/morning/42",
                "more_url": None,
            },
            "sections": sections,
        }
    )
