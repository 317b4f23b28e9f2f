"""The adapter's status for an operator, from the database alone (any process may ask, read-only).

report.py     StatusReport and its parts (frozen dataclasses: the shape the CLI and the dashboard render)
collect.py    collect(uow, settings, clock) -> StatusReport
attention.py  findings(report) -> [Attention], needs_attention(report) -> [str]; EXIT_ATTENTION
"""

from adapter.status.attention import EXIT_ATTENTION, Attention, findings, needs_attention
from adapter.status.collect import collect
from adapter.status.report import StatusReport

__all__ = ["EXIT_ATTENTION", "Attention", "StatusReport", "collect", "findings", "needs_attention"]
