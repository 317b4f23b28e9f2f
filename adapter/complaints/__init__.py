"""Complaints forwarded to banks' and insurers' complaint desks (投诉转办, partners.md §1): the complaint's own state
machine, its deadlines, the intake guards, the use cases and their delivery — beside cases, on the same outbox
machinery, signing, reconciliation and deadline calendar."""
