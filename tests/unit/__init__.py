"""Unit tests: pure logic, and the centre's use cases against the fake court (some still on a SQLite file)."""

# Re-exported only for the modules issue #15's fake-unit-of-work branch rewrites (test_services, test_sweep,
# test_jc_window, test_prune, test_acceptance_clock import `from tests.unit import samples`); new code imports
# tests.support.samples. Drop at that merge.
from tests.support import samples

__all__ = ["samples"]
