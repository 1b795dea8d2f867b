"""One error hierarchy: every error digest reports to a person is a DigestError.

Each carries its data as attributes and reads as one line. The web maps
`http_status` to a page in one place; the CLI prints the line and exits 1.
"""

from __future__ import annotations


class DigestError(Exception):
    """Base of every error digest reports to a person."""

    http_status = 400
    field: str | None = None  # the operation's parameter the error is about, when one is


class NotFound(DigestError):
    http_status = 404

    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"unknown {kind}: {key}")
        self.kind = kind
        self.key = key


class InvalidInput(DigestError):
    """Input a person can fix; `line` names the row of a file when there is one, `field` the
    operation's parameter it came from, so a form can show the message beside it."""

    http_status = 422

    def __init__(self, message: str, line: int | None = None, field: str | None = None) -> None:
        where = f"line {line}: " if line is not None else ""
        super().__init__(f"{where}{message}")
        self.line = line
        self.field = field
        self.message = message


class InvalidSettings(InvalidInput):
    """Several settings are wrong at once: `problems` holds each error, naming its field, so a
    form shows them all together; the message lists them on one line."""

    def __init__(self, problems: list[DigestError]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


class AlreadyExists(DigestError):
    http_status = 409

    def __init__(self, kind: str, key: object, field: str | None = None) -> None:
        super().__init__(f"{kind} {key} already exists")
        self.kind = kind
        self.key = key
        self.field = field


class InvalidTransition(DigestError):
    """An edition was asked to change status in a way the lifecycle does not allow."""

    http_status = 409

    def __init__(self, edition_id: int, current: str, wanted: str, reason: str = "") -> None:
        why = f": {reason}" if reason else ""
        super().__init__(f"edition {edition_id} cannot go from {current} to {wanted}{why}")
        self.edition_id = edition_id
        self.current = current
        self.wanted = wanted
        self.reason = reason


class EditionFrozen(DigestError):
    http_status = 409

    def __init__(self, edition_id: int) -> None:
        super().__init__(f"edition {edition_id} is released and can no longer be edited")
        self.edition_id = edition_id


class EditionUnsendable(DigestError):
    """A failure of the whole edition (it cannot render, it is too large): nobody's fault alone."""

    http_status = 409

    def __init__(self, edition_id: int, reason: str) -> None:
        super().__init__(f"edition {edition_id} cannot be sent: {reason}")
        self.edition_id = edition_id
        self.reason = reason


class RenderError(DigestError):
    """The edition itself cannot be rendered (bad snapshot, too large, template error)."""


class RecipientRejected(DigestError):
    """One recipient's fields cannot go into the message (a 2 KB name, a broken link)."""


class ConfigurationError(DigestError):
    """A setting is missing or unusable; raised when the app is created."""


class SchedulerAlreadyRunning(DigestError):
    def __init__(self, holder: str) -> None:
        super().__init__(f"another scheduler is already running ({holder}); only one may run")
        self.holder = holder
