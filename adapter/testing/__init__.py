"""Test helpers the adapter ships, so its own tests and a partner's use the same doubles.

fake_store.py   FakeCaseStore: the case store (adapter/cases/store.py) in memory, for use-case tests
"""
