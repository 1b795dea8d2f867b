"""The Celery app of queue mode, its queues, and the few broker calls the coordinator makes."""

from __future__ import annotations

import functools

import redis
from celery import Celery
from kombu.exceptions import OperationalError

from digest.settings import QueueSettings
from digest.tasks.mode import queue_settings  # noqa: F401  (re-exported)

SEND_QUEUE = "digest-send"
POLL_QUEUE = "digest-poll"
SEND_TASK = "digest.send_batch"
POLL_TASK = "digest.poll_source"
# A task the broker handed out and nobody acknowledged comes back after this long; a task
# is one batch (seconds of work), and a repeated one claims other rows or none.
VISIBILITY_SECONDS = 600
# What an unreachable broker raises: the coordinator logs it and tries again later.
BROKER_ERRORS = (OperationalError, redis.RedisError, OSError)


@functools.cache
def celery_for(broker_url: str) -> Celery:
    """One Celery app per broker URL and process."""
    app = Celery("digest", broker=broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,  # a task is acknowledged once its batch is settled
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,  # a worker holds no more tasks than it runs
        task_ignore_result=True,
        task_default_queue=SEND_QUEUE,
        task_routes={POLL_TASK: {"queue": POLL_QUEUE}},
        task_send_sent_event=False,
        worker_send_task_events=True,  # Flower shows tasks as they run
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,  # a worker waits out a broker restart
        broker_transport_options={"visibility_timeout": VISIBILITY_SECONDS},
        worker_hijack_root_logger=False,
        worker_cancel_long_running_tasks_on_connection_loss=False,
    )
    return app


@functools.cache
def redis_for(broker_url: str) -> redis.Redis:
    return redis.Redis.from_url(broker_url, socket_timeout=5, socket_connect_timeout=2)


def enqueue(settings: QueueSettings, task: str, args: list, count: int = 1) -> int:
    """Put `count` copies of a task on its queue; returns how many were queued."""
    app = celery_for(settings.broker_url)
    with app.producer_or_acquire() as producer:
        for _ in range(count):
            app.send_task(task, args=args, producer=producer)
    return count


def queue_length(settings: QueueSettings, queue: str = SEND_QUEUE) -> int:
    """Tasks waiting in the broker (not those a worker already holds)."""
    return int(redis_for(settings.broker_url).llen(queue))


class CeleryTaskQueue:
    """The `TaskQueue` that digest.deliver's queue runner sends and polls through."""

    errors: tuple[type[BaseException], ...] = BROKER_ERRORS

    def __init__(self, settings: QueueSettings) -> None:
        self.settings = settings

    def waiting(self) -> int:
        return queue_length(self.settings)

    def send_batches(self, edition_id: int, count: int) -> None:
        enqueue(self.settings, SEND_TASK, [edition_id], count)

    def poll_sources(self, source_ids: list[int]) -> None:
        for source_id in source_ids:
            enqueue(self.settings, POLL_TASK, [source_id])
