"""The SPC mediation platform's rosters and self-received registrations (总对总, partners.md §4) as a PartnerSpec:
the machine (states.py), the guards the core and the centre services call (guards.py), the rules (rules.py), the
actions, inbound handling and due dates — pure; the generic core (adapter/partners/) stores and delivers."""
