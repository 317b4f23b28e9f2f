"""Per-platform code tables and pure to/from-canonical mapping functions."""
