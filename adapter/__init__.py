"""The adapter core: case state machine, persistence, signing, delivery, ingestion, reconciliation, CLI."""
