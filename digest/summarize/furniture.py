"""What readers never want in a summary: datelines, bylines, credits, share prompts, sign-up
lines and a reprinting site's trailer."""

import re

# Removed from the start of a sentence: "LONDON (Reuters) -", "(CNN)", "By . Jane Doe . "
_OPENING = re.compile(
    r"^(?:"
    r"(?:[A-Z][\w.'\u2019-]*(?:[ ,]+[A-Z][\w.'\u2019-]*){0,4},?(?: \w+ \d{1,2},?)? )?"
    r"\((?:Reuters|AP|AFP|CNN|Bloomberg|UPI|dpa|PA|Xinhua|Kyodo)\)\s*(?:[-\u2013\u2014]{1,2}\s*)?"
    r"|[A-Z][A-Z .,'-]{2,40}\s+[-\u2013\u2014]{1,2}\s+(?=[A-Z])"  # "KABUL -- The ..."
    r"|By \. [^.]{2,60} \. (?:(?:PUBLISHED|UPDATED|Last updated)[^|]*?\d{4} \. (?:\| \. )?)*"
    r"|(?:PUBLISHED|UPDATED|Last updated at):?[^.]{0,60}?\d{4}\s*\.?\s*(?:\| \. )?"
    r"|(?:ADVERTISEMENT|Advertisement)\s+(?=\S)"  # an ad slot glued to the next paragraph
    r")"
)
# A whole sentence that is furniture rather than news.
_FURNITURE = re.compile(
    r"^\W*(?:"
    r"by [A-Z][\w.'-]+(?: [A-Z][\w.'-]+){0,3}(?:,? (?:and|&) [A-Z][\w.'-]+(?: [A-Z][\w.'-]+)"
    r"{0,3})?(?:,? [A-Z][\w ]{0,40})?"  # "By Jane Doe, Reuters"
    r"|(?:photo|picture|image|video|graphic)s?(?: credit| courtesy)?s?\s*(?:[:|]|by\b|"
    r"copyright\b).{0,80}"
    r"|\(?(?:photo|picture|image) by .{0,80}\)?"
    r"|.{0,60}/(?:getty images|afp|reuters|ap|epa|pa|shutterstock)\)?"
    r"|share (?:this|on|via)\b.{0,60}|follow (?:us|me|him|her|them)? ?on\b.{0,80}"
    r"|follow @\w+.{0,60}|click here\b.{0,120}|read more\b.{0,80}|scroll down\b.{0,80}"
    r"|(?:related|see also|more on this)\s*:.{0,120}|advertisement|(?:email|print|tweet)"
    r"(?: this)?(?: article| story)?"
    r"|(?:photograph|image caption|image copyright|credit)\s*:.{0,80}"
    r"|(?:sign up|subscribe|register|join)\b.{0,100}\b(?:newsletters?|inbox|e-?mails?|alerts|"
    r"updates)\b.{0,80}"
    r"|get (?:the|our) .{0,60}\b(?:newsletters?|inbox|e-?mails?)\b.{0,80}"
    r"|.{0,40}\benter your e-?mail\b.{0,80}"
    r"|this (?:article|story) (?:first |originally )?(?:appeared|was (?:first |originally )?"
    r"published) (?:on|in)\b.{0,80}"
    r"|.{0,80}\bis (?:proudly )?sponsored by\b.{0,120}"
    r"|related (?:posts|articles|stories|coverage)|design(?:ed)? (?:&|and) develop.{0,60}"
    r"|(?:copyright|\u00a9).{0,80}|all rights reserved.{0,40}"
    r")\W*$",
    re.I,
)


def strip_furniture(sentence: str) -> str | None:
    """The sentence without an opening dateline or byline; None when all of it is furniture."""
    cleaned = _OPENING.sub("", sentence, count=1).strip()
    if not cleaned or _FURNITURE.match(cleaned):
        return None
    return cleaned
