"""Inbound fixtures: an edition sent to enough readers for the corpus, and the inbound server."""

from __future__ import annotations

import pytest

from tests.support.inbound import BOUNCE_BASE, InboundServer, rows_of


@pytest.fixture
def sent(sending):
    """An edition sent (through the test SMTP server) to 45 readers, with VERP on BOUNCE_BASE."""
    job = sending(subscribers=45, bounce_address=BOUNCE_BASE)
    job.send()
    job.rows_by_id = rows_of(job.edition_id)
    return job


@pytest.fixture
def inbound(sent):
    server = InboundServer(sent.app)
    yield server
    server.stop()
