"""Alerts for people: conditions that open and clear, and the messages announcing them."""
