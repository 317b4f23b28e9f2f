"""Platform connectors: one module per platform behind the `CourtPlatform` port (connectors/port.py)."""
