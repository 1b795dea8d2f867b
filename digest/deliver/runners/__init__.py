"""Runners drive the engine for the door (`digest.deliver.send.deliver_edition`): threads in
this process, or tasks on a queue that workers on any number of machines take.

The door releases an edition, hands its job to the runner chosen once from the settings
(`digest.context.current_runner`), and settles the edition with what the runner reports.
A face never asks which runner it has.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Connection, select

from digest.models import Edition, EditionStatus

if TYPE_CHECKING:
    from digest.deliver.engine import BatchJob
    from digest.settings import IngestSettings

Progress = Callable[[dict[str, int]], None]


@dataclass
class RunOutcome:
    """How a run ended: finished (no row pending), paused with a reason, or stopped early."""

    pause_reason: str | None = None
    pause_kind: str | None = None
    errors: list[BaseException] = field(default_factory=list)


class Runner(Protocol):
    """Sends a released edition's rows and polls sources, here or through workers."""

    name: str

    def deliver(self, job: BatchJob, *, wait: bool, progress: Progress | None) -> RunOutcome:
        """Send (or have sent) the job's rows; with `wait`, until none is pending."""

    def poll(self, settings: IngestSettings) -> str:
        """Poll every active source (or queue the polls); a summary for the job history."""

    def waiting(self) -> int | None:
        """Send tasks waiting for a worker: 0 with no broker, None when the broker does not
        answer (readiness and metrics ask this, never which runner it is)."""


class TaskQueue(Protocol):
    """The broker calls the queue runner makes; digest.tasks implements it with Celery."""

    errors: tuple[type[BaseException], ...]  # what an unreachable broker raises

    def waiting(self) -> int:
        """Send tasks waiting in the broker (not those a worker holds)."""

    def send_batches(self, edition_id: int, count: int) -> None:
        """Queue `count` tasks, each sending one batch of the edition."""

    def poll_sources(self, source_ids: list[int]) -> None:
        """Queue one poll task per source."""


def edition_state(connection: Connection, edition_id: int) -> tuple[EditionStatus, datetime | None]:
    """The edition's status and release time as committed (None, None once it is gone)."""
    with connection.begin():
        found = connection.execute(
            select(Edition.status, Edition.released_at).where(Edition.id == edition_id)
        ).first()
    return (found[0], found[1]) if found else (None, None)


def is_sending(connection: Connection, edition_id: int) -> bool:
    """Whether senders should go on: anything but `sending` (a pause, by a person or another
    sender) stops them after the message in flight."""
    return edition_state(connection, edition_id)[0] is EditionStatus.SENDING
