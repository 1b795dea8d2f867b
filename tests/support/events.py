"""Fourteen days of local news: events reported first by one paper, again by another (in its
own words) a day or more later, and some followed by an update with new facts."""

from __future__ import annotations

from dataclasses import dataclass

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Event:
    who: str
    did: str
    thing: str
    place: str
    person: str
    cost: int
    crowd: int
    news: str  # the update's new fact
    newsman: str  # who announced it


EVENTS = (
    Event(
        "Riverside Rovers",
        "won the county cup tie",
        "quarter-final",
        "Hollow Park",
        "coach Dana Okafor",
        1200,
        3400,
        "Rovers will host Kingsford City on 12 December",
        "Leon Abara",
    ),
    Event(
        "The harbour board",
        "reopened the lighthouse",
        "lighthouse museum",
        "Gull Point",
        "curator Ines Marlowe",
        48000,
        900,
        "the lantern room will open on Sundays from April",
        "Tobias Crane",
    ),
    Event(
        "Weir Street bakers",
        "baked a giant stollen",
        "Christmas stollen",
        "the covered market",
        "baker Ruth Pemberton",
        300,
        1500,
        "the stollen raised 2,750 pounds for the food bank",
        "Hamid Qureshi",
    ),
    Event(
        "Volunteers",
        "planted an orchard",
        "community orchard",
        "Kestrel Meadow",
        "organiser Paulo Ferreira",
        6500,
        220,
        "Kestrel Meadow will get 80 more damson trees in March",
        "Greta Lindqvist",
    ),
    Event(
        "The university choir",
        "sang a midnight concert",
        "candlelit concert",
        "St Aldric's Chapel",
        "conductor Yusuf Adeyemi",
        2100,
        640,
        "the concert will be broadcast on Valley FM at Christmas",
        "Clara Vance",
    ),
    Event(
        "Firefighters",
        "rescued a stranded swan",
        "swan rescue",
        "Millpond Lock",
        "station officer Bea Hartley",
        0,
        60,
        "the swan was released at Otterbrook reserve on Friday",
        "Nils Ekberg",
    ),
    Event(
        "The chess club",
        "hosted a simultaneous exhibition",
        "chess exhibition",
        "the Corn Exchange",
        "grandmaster Vera Petrosyan",
        450,
        75,
        "Petrosyan won 31 of her 32 games and drew one",
        "Omar Haddad",
    ),
    Event(
        "Allotment holders",
        "opened a seed library",
        "seed library",
        "Bramble Lane allotments",
        "secretary Moira Quill",
        150,
        130,
        "the library has lent 1,400 packets of heritage seeds",
        "Ivo Rasmussen",
    ),
    Event(
        "The canal trust",
        "restored a narrowboat",
        "restored narrowboat",
        "Tanner's Wharf",
        "boatwright Seamus Doyle",
        27000,
        410,
        "the narrowboat Marigold will carry schoolchildren from May",
        "Lotte Brandt",
    ),
    Event(
        "Skaters",
        "opened a skate park",
        "skate park",
        "Foundry Yard",
        "designer Kai Nakamura",
        82000,
        700,
        "Foundry Yard will stay floodlit until 21:00 in winter",
        "Esme Thornbury",
    ),
)

# (day, paper, event index, version): version "first", "again" (reworded), "update" (new facts)
SCHEDULE = (
    (0, "Gazette", 0, "first"),
    (1, "Herald", 0, "again"),
    (4, "Herald", 0, "update"),
    (0, "Herald", 1, "first"),
    (2, "Gazette", 1, "again"),
    (1, "Gazette", 2, "first"),
    (1, "Herald", 2, "again"),
    (5, "Gazette", 2, "update"),
    (6, "Herald", 2, "again"),
    (3, "Gazette", 3, "first"),
    (6, "Herald", 3, "again"),
    (9, "Gazette", 3, "update"),
    (10, "Herald", 3, "update"),
    (4, "Gazette", 4, "first"),
    (5, "Herald", 4, "again"),
    (12, "Gazette", 4, "again"),
    (6, "Herald", 5, "first"),
    (7, "Gazette", 5, "again"),
    (8, "Gazette", 5, "update"),
    (7, "Gazette", 6, "first"),
    (11, "Herald", 6, "update"),
    (8, "Herald", 7, "first"),
    (13, "Gazette", 7, "again"),
    (9, "Gazette", 8, "first"),
    (10, "Herald", 8, "again"),
    (12, "Herald", 8, "update"),
    (11, "Herald", 9, "first"),
    (12, "Gazette", 9, "again"),
    (13, "Gazette", 9, "again"),
)


def report(event: Event, paper: str, version: str, day: int) -> tuple[str, str]:
    """(headline, text) of one paper's report of an event."""
    weekday = WEEKDAYS[day % 7]
    first = (
        f"{event.who} {event.did} at {event.place} on {weekday}, {event.person} said. The "
        f"{event.thing} cost {event.cost} pounds and drew {event.crowd} people to {event.place}. "
        f"{event.person.split()[-1]} said the {event.thing} would be back next year."
    )
    again = (
        f"At {event.place} on {weekday}, {event.who.lower()} {event.did}. According to "
        f"{event.person}, {event.crowd} people came along and the {event.thing} cost "
        f"{event.cost} pounds. It is expected back at {event.place} next year."
    )
    if version == "first":
        return f"{event.who} {event.did} at {event.place}", first
    if version == "again":
        return f"{event.place} {event.thing}: {event.who} {event.did} ({paper})", again
    update = (
        f" Announcing the news on {weekday}, {event.newsman} confirmed that {event.news}. "
        f"{event.newsman.split()[0]} told the {paper} that {event.crowd + 150} tickets, "
        f"plans and permits for {event.thing} follow-up events were agreed with {event.place} "
        f"neighbours in {WEEKDAYS[(day + 2) % 7]} talks."
    )
    return f"Update from {event.place}: {event.news} ({paper}, day {day})", again + update
