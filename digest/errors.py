"""Errors that carry their data; web and CLI turn them into responses and one-line messages."""


class DigestError(Exception):
    """Base of every error digest reports to a person."""

    http_status = 400


class NotFound(DigestError):
    http_status = 404

    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"unknown {kind}: {key}")
        self.kind = kind
        self.key = key


class EditionFrozen(DigestError):
    http_status = 409

    def __init__(self, edition_id: int) -> None:
        super().__init__(f"edition {edition_id} is released and can no longer be edited")
        self.edition_id = edition_id


class InvalidInput(DigestError):
    def __init__(self, message: str, line: int | None = None) -> None:
        where = f"line {line}: " if line is not None else ""
        super().__init__(f"{where}{message}")
        self.line = line


class SchedulerAlreadyRunning(DigestError):
    def __init__(self, holder: str) -> None:
        super().__init__(f"another scheduler is already running ({holder}); only one may run")
        self.holder = holder
