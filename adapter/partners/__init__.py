"""Docking partners beyond courts and complaint desks: the traffic-accident platform, arbitration commissions and
the SPC roster (partners.md §2–§4), on one store, outbox, inbox, reconciliation and deadline sweep (this package)
with a PartnerSpec per kind (adapter/partners/<kind>/)."""
