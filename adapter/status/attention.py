"""What in a status report needs a person: the judgement `docking status` exits non-zero on, the dashboard shows,
and the alert conditions follow (adapter/alerts/evaluate.py)."""

from dataclasses import dataclass

from adapter.alerts.kinds import AlertKind
from adapter.status.report import StatusReport

EXIT_ATTENTION = 1  # `docking status`: something needs a person (2, 69, 75, 78: the CLI's usual meanings)


@dataclass(frozen=True)
class Attention:
    # no_worker | held | breaker_open | feed_held | feed_stale | dead_letters | quarantine | job_failing |
    # migrations | dead_centre_events | dead_alerts | certificate_<state> (expiring, expired, …) |
    # reconcile
    kind: str
    subject: str  # a platform, platform/feed, job, or the database
    message: str  # one line for an operator

    def __str__(self) -> str:
        return self.message


def findings(report: StatusReport) -> list[Attention]:
    """Every finding, in a stable order: database, workers, platforms (by name), jobs, queues, certificates."""
    found: list[Attention] = []
    db = report.database
    if db.behind:
        found.append(
            Attention("migrations", "database", f"database at {db.current or 'no version'}, adapter needs {db.head}")
        )
    if not report.processes and report.platforms:
        # Nothing polls, delivers or runs the jobs: every other figure here only gets worse, and /readyz already
        # answers 503 for the same reason (adapter/readiness.py) — status and the console must not say "all well".
        found.append(
            Attention(
                "no_worker",
                "jobs",
                "no live `docking run` or `docking serve` process: nothing polls, delivers or runs the jobs — start"
                " one (systemctl start docking)",
            )
        )
    for p in report.platforms:
        if p.held:
            found.append(
                Attention(
                    "held", p.name, f"{p.name}: held — {p.held_reason.removeprefix('held: ') or 'credentials refused'}"
                )
            )
        if p.breaker != "closed" and p.breaker_since is not None:
            open_for = (report.at - p.breaker_since).total_seconds()
            if open_for >= report.limits.breaker_open_seconds:
                found.append(Attention("breaker_open", p.name, f"{p.name}: breaker {p.breaker} for {_span(open_for)}"))
        for f in p.feeds:
            subject = f"{p.name}/{f.feed}"
            if f.held:
                found.append(Attention("feed_held", subject, f"{subject}: held at cursor {f.cursor!r} ({f.held})"))
            elif f.stale:
                since = "never read" if f.lag_seconds is None else f"last read {_span(f.lag_seconds)} ago"
                found.append(Attention("feed_stale", subject, f"{subject}: stale, {since}"))
        if p.dead:
            found.append(Attention("dead_letters", p.name, f"{p.name}: {p.dead} dead message(s)"))
        if p.quarantined:
            found.append(Attention("quarantine", p.name, f"{p.name}: {p.quarantined} open quarantine item(s)"))
    for j in report.jobs:
        if j.failing:
            found.append(Attention("job_failing", j.job, f"job {j.job}: failing — {j.last_failure}"))
    for q in report.queues:
        if q.dead:
            found.append(Attention(f"dead_{q.name}", q.name, f"{q.name}: {q.dead} dead"))
    courts = {p.name for p in report.platforms}
    for condition in report.conditions:
        if condition.kind == AlertKind.RECONCILE:
            # Open until a run covering the platform ends ok or repaired: what is left needs a person's eyes.
            lasted = _span((report.at - condition.since).total_seconds())
            where = (
                "`docking reconcile runs`, then `docking reconcile show RUN` says which and what to do"
                if condition.subject in courts
                else f"`docking partners reconcile --partner {condition.subject}` says which"  # a partner's records
            )
            found.append(
                Attention(
                    "reconcile",
                    condition.subject,
                    f"{condition.subject}: reconciliation differences open for {lasted} — {where}",
                )
            )
    for c in report.certificates:
        if c.needs_attention:
            found.append(Attention(f"certificate_{c.state}", c.label, f"certificate {c.label}: {c.detail}"))
    return found


def needs_attention(report: StatusReport) -> list[str]:
    """The findings as one line each; empty when nothing needs a person."""
    return [a.message for a in findings(report)]


def _span(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}min"
    if seconds < 172800:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"
