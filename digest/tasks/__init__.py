"""Queue mode's face: Celery tasks on a Redis broker, thin over deliver and ingest.

queue     the Celery app, queue names, the TaskQueue the deliver step's queue runner uses
mode      the PostgreSQL and broker requirement, checked before Celery loads
polling   one task per source, at most one poll of a source at a time
worker    `flask digest worker`: the Celery worker process and its tasks

Nothing here is imported unless DIGEST_BROKER_URL is set: the web app, the
scheduler without a broker and `flask digest --help` never load Celery.
"""
