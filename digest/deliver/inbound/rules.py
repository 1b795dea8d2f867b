"""Our own rules, for what the standard reports leave out: wording, codes, auto-replies.

Providers that send no RFC 3464 report (qmail, older Exchange, some webmail) still
quote the remote server's reply; these rules read its enhanced status code or its
wording. A permanent failure is hard unless it says the mailbox is full or the
message was blocked (a policy or reputation refusal says nothing about the address);
those, and every temporary failure, are soft.
"""

from __future__ import annotations

import re
from email.message import Message

# A status code stands alone: not inside a Message-ID such as <0c9d4.1.36@host>.
ENHANCED = re.compile(r"(?<![\w.])([245])\.(\d{1,3})\.(\d{1,3})(?!\w|\.\d)")
BASIC = re.compile(r"(?m)(?:^|[\s(:])([45][0-5]\d)[\s:-]")

UNKNOWN_ADDRESS = re.compile(
    r"user unknown|unknown user|no such (?:user|mailbox|recipient|address)|"
    r"does not exist|doesn'?t exist|recipient (?:address )?rejected|"
    r"invalid (?:recipient|mailbox|address)|"
    r"mailbox (?:not found|unavailable|is disabled|disabled)|account (?:has been )?disabled|"
    r"not our customer|unrouteable address|no mailbox here|address not found|"
    r"recipient not found|user not found|unknown recipient|is not a valid mailbox|"
    r"doesn'?t have an? [\w.-]+ account",
    re.I,
)
MAILBOX_FULL = re.compile(
    r"mailbox (?:is )?full|over ?quota|quota exceeded|exceeded (?:the )?storage|"
    r"insufficient (?:system )?storage|mailbox size limit",
    re.I,
)
BLOCKED = re.compile(
    r"spam|blocked|block ?list|blacklist|reputation|policy|denied by|rate limit|"
    r"too many|dmarc|spf|dkim",
    re.I,
)
TEMPORARY = re.compile(
    r"temporar(?:y|ily)|try again later|deferred|will retry|still trying|keep trying|"
    r"has not yet been delivered|delay(?:ed)?\b",
    re.I,
)
BOUNCE_SUBJECT = re.compile(
    r"undeliver|undelivered|delivery (?:status )?notification|delivery (?:has )?failed|"
    r"failure notice|returned mail|mail delivery (?:failed|failure|subsystem)|"
    r"delivery failure|could not be delivered|non[- ]?delivery|rejected:|"
    r"message not delivered|delivery problem|warning: could not send",
    re.I,
)
WILL_RETRY = re.compile(
    r"will (?:keep trying|retry|try again)|still (?:being )?retried|still trying|warning only", re.I
)
# Where a bounce starts quoting our message: nothing below it is the server's reason.
COPY_MARKER = re.compile(
    r"^\s*-{2,}.*(?:below this line|copy of the message|original message|undelivered message)",
    re.I,
)
BOUNCE_SENDER = re.compile(r"mailer-daemon|postmaster|mail delivery (?:sub)?system", re.I)
AUTO_SUBJECT = re.compile(
    r"^\s*(?:auto(?:matic)?[ -]?(?:reply|response|antwort)|auto:|autoreply|"
    r"out of (?:the )?office|away from|on vacation|vacation|abwesen|absence|"
    r"r[ée]ponse automatique|respuesta autom[áa]tica|risposta automatica|fuori sede)",
    re.I,
)


def status_in(text: str) -> str | None:
    """The first RFC 3463 status code in a text, or one implied by a bare 4xx/5xx reply."""
    found = ENHANCED.search(text)
    if found and found.group(1) != "2":
        return ".".join(found.groups())
    basic = BASIC.search(text)
    if basic:
        return f"{basic.group(1)[0]}.0.0"
    return None


def severity(status: str | None, text: str, is_permanent: bool | None = None) -> str:
    """'hard' or 'soft' for a failure with this status code and wording."""
    text = text or ""
    if status and status.startswith("4"):
        return "soft"
    permanent = is_permanent if status is None else status.startswith("5")
    if MAILBOX_FULL.search(text) or status in ("5.2.2", "4.2.2"):
        return "soft"
    if status and status.startswith("5.1."):
        return "hard"
    if UNKNOWN_ADDRESS.search(text):
        return "hard" if permanent is not False else "soft"
    if (status and status.startswith("5.7.")) or BLOCKED.search(text):
        return "soft"
    if permanent is None:
        return "soft" if TEMPORARY.search(text) else "hard"
    return "hard" if permanent else "soft"


def has_bounce_marks(message: Message) -> bool:
    """A non-standard bounce: sent by a mailer daemon, or with a bounce's usual subject."""
    sender = str(message.get("From") or "")
    subject = str(message.get("Subject") or "")
    return bool(BOUNCE_SENDER.search(sender) or BOUNCE_SUBJECT.search(subject))


def is_null_sender(envelope_from: str | None) -> bool:
    """MAIL FROM:<> (bounces, and auto-replies that follow RFC 3834)."""
    return envelope_from is not None and envelope_from.strip("<> ") == ""


def is_auto_reply(message: Message) -> bool:
    """An out-of-office or other automatic answer (RFC 3834 and the usual vendor headers)."""
    auto = str(message.get("Auto-Submitted") or "").strip().lower()
    if auto.startswith("auto-replied"):
        return True
    for header in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress-Reply"):
        if message.get(header):
            return True
    if str(message.get("Precedence") or "").strip().lower() == "auto_reply":
        return True
    if message.get("X-Autoreply-From") or message.get("X-Mail-Autoreply"):
        return True
    return bool(AUTO_SUBJECT.search(str(message.get("Subject") or "")))


def is_automatic(message: Message, envelope_from: str | None) -> bool:
    """Sent by a machine, so no answer goes back (RFC 3834): the null sender, Auto-Submitted,
    bulk or list precedence, a mailer daemon, an auto-reply."""
    auto = str(message.get("Auto-Submitted") or "no").strip().lower()
    precedence = str(message.get("Precedence") or "").strip().lower()
    return (
        is_null_sender(envelope_from)
        or not auto.startswith("no")
        or precedence in ("bulk", "junk", "list", "auto_reply")
        or bool(message.get("List-Id") or message.get("List-Unsubscribe"))
        or has_bounce_marks(message)
        or is_auto_reply(message)
    )
