"""Unit tests: pure logic, and the centre's use cases on the in-memory case store — no database
(conftest.py guards it)."""
