"""A process appending audit entries for the audit chain's concurrency tests:
`python -m tests.support.audit_worker URL NAME COUNT [START_AT]`. Each transaction writes a cause (an operator audit
row, whose entry the chain derives) and one explicit entry, so a test can check that no cause lost its entry and no
entry its cause. COUNT 0: until killed. START_AT: a time.time() to wait for, or "stdin": say "ready" once connected
and wait for a line on standard input — so two workers race from the start even on a machine too busy to start both
in seconds."""

import itertools
import sys
import time
from datetime import UTC, datetime

from adapter.audit.append import append
from adapter.persistence.engine import UnitOfWork, make_engine
from adapter.persistence.tables import AuditRow


def main(url: str, name: str, count: int, start_at: str) -> None:
    uow = UnitOfWork(make_engine(url))
    with uow.begin() as session:  # connected before the start, so both workers race from the first append
        session.connection()
    if start_at == "stdin":
        print("ready", flush=True)
        sys.stdin.readline()
    else:
        time.sleep(max(0.0, float(start_at) - time.time()))
    for n in itertools.count(1) if count == 0 else range(1, count + 1):
        with uow.begin() as session:
            session.add(AuditRow(at=datetime.now(UTC), actor=name, action="test", subject=f"{name}-{n}", reason="x"))
            append(session, "test.explicit", f"{name}-{n}", actor=name, content={"n": n})
        if n == 1:
            print("started", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else "0")
