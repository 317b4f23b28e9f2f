"""Canonical records and messages exchanged between the adapter core and every platform connector.

This package imports nothing else of ours: everything else points toward it.
"""
