"""Arbitration commissions (仲调对接, partners.md §3): the pure domain — machine, guard, rules, actions, inbound."""
