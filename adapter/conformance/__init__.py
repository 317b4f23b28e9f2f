"""The conformance kit for a court's integrator (`docking conformance --platform P`): a scripted, bounded scenario
run against a platform marked `test_endpoint = true`, each check passed or failed with its evidence.

    scenario.py  the guard (test endpoints only), the checks in order, a timeout per check
    checks.py    the target, the run, and the checks of what the court does with our messages
    published.py the checks of what the court publishes: feed items, pages, cursors; pushed items and receipts
    push_inbox.py  a throw-away listener for a pushing court's items and receipts (partners.md §6)
    report.py    results, evidence masked (secrets, ID and phone numbers), as text or JSON
"""
