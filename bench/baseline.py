"""The floor bench/reconcile.py measures against: the same comparison as one streamed SQL query over both files.

    python -m bench.baseline WORK PLATFORM VIEW_JSON

Plain sqlite3 and nothing of ours imported (bench/__init__.py is empty), so its time and peak RSS are the floor
for reading both sides once. VIEW_JSON maps each of our case statuses to the court file's status number. Prints
one JSON line: seconds, cpu_seconds (its process CPU time), peak_rss_kib, found.
"""

import json
import sqlite3
import sys
import time

QUERY = """
SELECT c.id, k.status FROM main.cases AS c
JOIN temp.court_view AS v ON v.status = c.status
LEFT JOIN court.court_cases AS k ON k.ajbs = c.platform_case_id
WHERE c.platform = :platform
  AND NOT EXISTS (SELECT 1 FROM main.outbox AS o WHERE o.case_id = c.id AND o.status = 'pending')
  AND (k.status IS NULL OR k.status <> v.court)
UNION ALL
SELECT NULL, k.status FROM court.court_cases AS k
WHERE NOT EXISTS (SELECT 1 FROM main.cases AS c WHERE c.platform = :platform AND c.platform_case_id = k.ajbs)
"""


def main(argv: list[str]) -> None:
    work, platform, view = argv[0], argv[1], json.loads(argv[2])
    started, cpu = time.perf_counter(), time.process_time()
    connection = sqlite3.connect(work + "/adapter.db")
    connection.execute("ATTACH DATABASE ? AS court", (work + "/court.db",))
    connection.execute("CREATE TEMP TABLE court_view (status TEXT PRIMARY KEY, court INTEGER NOT NULL)")
    connection.executemany("INSERT INTO temp.court_view VALUES (?, ?)", view.items())
    cursor, found = connection.execute(QUERY, {"platform": platform}), 0
    while rows := cursor.fetchmany(1000):
        found += len(rows)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    with open("/proc/self/status", encoding="ascii") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "peak_rss_kib": peak, "found": found}))


if __name__ == "__main__":
    main(sys.argv[1:])
