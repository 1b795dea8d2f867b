"""Subject tests: two to four subject lines tried on a sample of the list, the line that brings
the most readers to a story then sent to everyone else.

At release (`hold_back`) a sample of the edition's rows, `Edition.test_share` percent of them,
is split evenly between the lines in an order nobody can choose (a multiplicative hash of the
row id) and sent first. Every other row waits with no line (`Delivery.variant` None), which no
sender claims, until the test is decided (`decide_if_due`): when its window has passed
(`Edition.test_minutes` after release) and the sample is settled, or earlier when the
sequential rule below is sure of the winner, or when an editor chooses (`choose`). Deciding is
one transaction: the edition records the winner and every waiting row gets its line. The
ledger is the only state, so a crash mid-test resumes it and a worker on any machine sees the
same; every function here works on a plain connection, from any process or thread.

Clicks carry the line of the mail they came from (the click token's variant); a line's score is
its unique human clickers (digest.deliver.clicks: no reader is known, link scanners are not
counted). The early rule is Bayesian: each line's click rate has a Beta(1 + clickers,
1 + delivered - clickers) posterior, and the test stops once the leader is the best line with
probability `EARLY_CONFIDENCE`, every line has `MIN_EARLY_DELIVERED` messages delivered and the
leader `MIN_EARLY_CLICKERS` clickers. The rule is checked every minute or so while the test
runs; the high threshold keeps a stop on a lucky streak rare.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, Connection, cast, func, literal, select, update

from digest.deliver.clicks import classify, link_count
from digest.deliver.ledger import write_turn
from digest.models import Click, Delivery, DeliveryStatus, Edition, utcnow
from digest.words import counted

MAX_LINES = 4
MIN_PER_LINE = 20  # fewer sample readers a line than this, and there is no test
EARLY_CONFIDENCE = 0.99
MIN_EARLY_DELIVERED = 100
MIN_EARLY_CLICKERS = 10
LATE_SAMPLE_RETRY = timedelta(seconds=30)  # window over, sample still sending: look again
# The order the sample is drawn in: Knuth's multiplicative hash of the row id, mod a prime.
_HASH, _PRIME = 2654435761, 4294967291


@dataclass(frozen=True)
class LineResult:
    """How one subject line did: messages delivered with it, and readers who clicked."""

    line: int
    subject: str
    delivered: int
    clickers: int

    @property
    def rate(self) -> float:
        return self.clickers / self.delivered if self.delivered else 0.0


@dataclass(frozen=True)
class SampleSplit:
    """What `hold_back` did: readers per line in the sample, and readers waiting."""

    per_line: list[int]
    waiting: int
    skipped_reason: str | None = None  # no test after all (too few readers)


def hold_back(
    connection: Connection, edition_id: int, lines: int, share: int, decide_by: datetime
) -> SampleSplit:
    """Split the sample between the lines and hold every other row back; in the caller's
    transaction (the release). With too few readers for `MIN_PER_LINE` a line, there is no
    test: every row keeps line 0, the edition's own subject."""
    total = (
        connection.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.edition_id == edition_id)
        )
        or 0
    )
    per_line = max(MIN_PER_LINE, round(total * share / 100 / lines))
    if per_line * lines >= total:
        reason = (
            f"no subject test: {counted(total, 'reader')} are too few to hold any back "
            f"(a test of {lines} lines needs more than {per_line * lines})"
        )
        return SampleSplit([total, *[0] * (lines - 1)], 0, reason)
    connection.execute(
        update(Delivery)
        .where(Delivery.edition_id == edition_id)
        .values(variant=None, next_attempt_at=decide_by)
    )
    big = BigInteger()  # the product outgrows 32 bits
    order = (cast(Delivery.id, big) * literal(_HASH, big) + edition_id) % literal(_PRIME, big)
    ranked = (
        select(Delivery.id.label("id"), func.row_number().over(order_by=order).label("rank"))
        .where(Delivery.edition_id == edition_id)
        .subquery()
    )
    connection.execute(
        update(Delivery)
        .where(Delivery.id == ranked.c.id, ranked.c.rank <= per_line * lines)
        .values(variant=(ranked.c.rank - 1) % lines, next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )
    return SampleSplit([per_line] * lines, total - per_line * lines)


@dataclass(frozen=True)
class TestState:
    """A subject test as the ledger has it right now."""

    edition_id: int
    subjects: list[str]
    minutes: int
    decide_by: datetime
    winner: int | None
    decided_at: datetime | None
    decision: str | None
    results: list[LineResult]
    sample_pending: int
    waiting: int

    @property
    def is_decided(self) -> bool:
        return self.winner is not None

    @property
    def leader(self) -> LineResult:
        """Most clickers; on a tie the better rate, then the earlier line."""
        return max(self.results, key=lambda r: (r.clickers, r.rate, -r.line))

    @property
    def chances(self) -> list[float]:
        """Each line's probability of having the best click rate (see the module's doc)."""
        return best_line_odds([(r.clickers, r.delivered) for r in self.results])


def test_state(connection: Connection, edition_id: int) -> TestState | None:
    """The edition's subject test, live; None when it has none or was not released."""
    with connection.begin():
        edition = connection.execute(
            select(
                Edition.subject,
                Edition.other_subjects,
                Edition.released_at,
                Edition.test_minutes,
                Edition.test_winner,
                Edition.test_decided_at,
                Edition.test_decision,
                Edition.snapshot,
            ).where(Edition.id == edition_id)
        ).first()
        if edition is None or not edition.other_subjects or edition.released_at is None:
            return None
        subjects = [edition.subject, *edition.other_subjects]
        results = _line_results(connection, edition_id, subjects, edition.snapshot)
        pending = dict(
            connection.execute(
                select(Delivery.variant.is_(None), func.count())
                .where(Delivery.edition_id == edition_id, Delivery.status == DeliveryStatus.PENDING)
                .group_by(Delivery.variant.is_(None))
            ).all()
        )
    return TestState(
        edition_id,
        subjects,
        edition.test_minutes,
        edition.released_at + timedelta(minutes=edition.test_minutes),
        edition.test_winner,
        edition.test_decided_at,
        edition.test_decision,
        results,
        sample_pending=pending.get(False, 0),
        waiting=pending.get(True, 0),
    )


def _line_results(
    connection: Connection, edition_id: int, subjects: list[str], snapshot: dict | None
) -> list[LineResult]:
    delivered = dict(
        connection.execute(
            select(Delivery.variant, func.count())
            .where(Delivery.edition_id == edition_id, Delivery.status == DeliveryStatus.SENT)
            .group_by(Delivery.variant)
        ).all()
    )
    clicks = connection.execute(
        select(Click.visitor, Click.at, Click.section, Click.story, Click.could_be_human)
        .add_columns(Click.variant)
        .where(Click.edition_id == edition_id)
    ).all()
    clickers: dict[int, set[str]] = {line: set() for line in range(len(subjects))}
    for click, is_human in classify(clicks, link_count(snapshot)):
        if is_human and click.variant in clickers:
            clickers[click.variant].add(click.visitor)
    return [
        LineResult(line, subject, delivered.get(line, 0), len(clickers[line]))
        for line, subject in enumerate(subjects)
    ]


def lines_report(connection: Connection, edition: Edition) -> list[dict] | None:
    """Each subject line's results for `digest stats` (None without a test): as they stood at
    the decision once there was one, live before."""
    state = test_state(connection, edition.id)
    if state is None:
        return None
    if state.is_decided and edition.test_results:
        results = [LineResult(*(r[k] for k in RESULT_FIELDS)) for r in edition.test_results]
    else:
        results = state.results
    return [
        {
            "line": letter(r.line),
            "subject": r.subject,
            "delivered": r.delivered,
            "unique_clickers": r.clickers,
            "winner": r.line == state.winner,
        }
        for r in results
    ]


RESULT_FIELDS = ("line", "subject", "delivered", "clickers")


def decide_if_due(
    connection: Connection, edition_id: int, now: datetime | None = None
) -> str | None:
    """Decide the edition's subject test when it is time; what was decided, in words, or None.

    Time: the window has passed and no sample row is pending, or the early rule is sure.
    Any number of processes may call this at once; exactly one decision is recorded.
    """
    now = now or utcnow()
    state = test_state(connection, edition_id)
    if state is None or state.is_decided:
        return None
    leader, chances = state.leader, state.chances
    if now >= state.decide_by and state.sample_pending == 0:
        if leader.clickers == 0:
            how = "no reader clicked a story during the test: the edition's own subject"
            return _apply(connection, state, 0, how, now)
        how = f"most readers clicked in {counted(state.minutes, 'minute')}"
        return _apply(connection, state, leader.line, how, now)
    best = max(range(len(chances)), key=chances.__getitem__)
    if _is_sure(state, best, chances[best]):
        how = f"decided early: {chances[best]:.1%} sure it has the best click rate"
        return _apply(connection, state, best, how, now)
    if now >= state.decide_by:  # the sample is still being sent (retries): wait for it
        _postpone(connection, edition_id, now + LATE_SAMPLE_RETRY)
    return None


def choose(connection: Connection, edition_id: int, line: int, who: str) -> str | None:
    """An editor's choice, at any time before the test is decided; what was decided, or None
    when it already was (or the edition has no such line)."""
    state = test_state(connection, edition_id)
    if state is None or state.is_decided or not 0 <= line < len(state.subjects):
        return None
    return _apply(connection, state, line, f"chosen by {who}", utcnow())


def _is_sure(state: TestState, best: int, chance: float) -> bool:
    result = state.results[best]
    return (
        chance >= EARLY_CONFIDENCE
        and result.clickers >= MIN_EARLY_CLICKERS
        and all(r.delivered >= MIN_EARLY_DELIVERED for r in state.results)
    )


def _apply(
    connection: Connection, state: TestState, line: int, how: str, now: datetime
) -> str | None:
    """Record the winner and give every waiting row its line, in one transaction; None when
    another process decided first."""
    decision = f"{letter(line)} “{state.subjects[line]}”: {how}"[:300]
    results = [asdict(r) | {"rate": r.rate} for r in state.results]
    with write_turn(connection), connection.begin():
        won = connection.execute(
            update(Edition)
            .where(Edition.id == state.edition_id, Edition.test_winner.is_(None))
            .values(
                test_winner=line, test_decided_at=now, test_decision=decision, test_results=results
            )
        ).rowcount
        if not won:
            return None
        connection.execute(
            update(Delivery)
            .where(
                Delivery.edition_id == state.edition_id,
                Delivery.variant.is_(None),
                Delivery.status == DeliveryStatus.PENDING,
            )
            .values(variant=line, next_attempt_at=None)
        )
    return decision


def _postpone(connection: Connection, edition_id: int, until: datetime) -> None:
    with write_turn(connection), connection.begin():
        connection.execute(
            update(Delivery)
            .where(
                Delivery.edition_id == edition_id,
                Delivery.variant.is_(None),
                Delivery.status == DeliveryStatus.PENDING,
            )
            .values(next_attempt_at=until)
        )


def letter(line: int) -> str:
    """How pages and the CLI name a subject line: A (the edition's subject), B, C, D."""
    return "ABCD"[line] if 0 <= line < MAX_LINES else str(line + 1)


def best_line_odds(scores: list[tuple[int, int]], points: int = 2000) -> list[float]:
    """For (clickers, delivered) per line, each line's probability of having the highest click
    rate under Beta(1 + clickers, 1 + delivered - clickers) posteriors: the integral of its
    density times the others' distribution functions, on a grid spanning every posterior's mass
    (deterministic; a few milliseconds for four lines)."""
    params = [(1 + c, 1 + max(n - c, 0)) for c, n in scores]
    if len(params) < 2:
        return [1.0] * len(params)
    low, high = 1.0, 0.0
    for a, b in params:
        mean = a / (a + b)
        spread = 10 * math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
        low, high = min(low, mean - spread), max(high, mean + spread)
    low, high = max(low, 0.0), min(high, 1.0)
    step = (high - low) / points
    xs = [low + (i + 0.5) * step for i in range(points)]
    densities = [[_beta_pdf(x, a, b) * step for x in xs] for a, b in params]
    cdfs = []
    for column in densities:
        total, running, cdf = sum(column) or 1.0, 0.0, []
        for mass in column:
            cdf.append((running + mass / 2) / total)  # the midpoint of the cell
            running += mass
        cdfs.append(cdf)
    odds = []
    for i, column in enumerate(densities):
        total = sum(column) or 1.0
        chance = 0.0
        for k, mass in enumerate(column):
            others = 1.0
            for j, cdf in enumerate(cdfs):
                if j != i:
                    others *= cdf[k]
            chance += mass / total * others
        odds.append(chance)
    norm = sum(odds) or 1.0
    return [o / norm for o in odds]


def _beta_pdf(x: float, a: float, b: float) -> float:
    if not 0.0 < x < 1.0:
        return 0.0
    log_beta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    return math.exp((a - 1) * math.log(x) + (b - 1) * math.log1p(-x) - log_beta)
