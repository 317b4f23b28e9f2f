"""The road-traffic accident platform's domain (道交一体化, partners.md §2): pure — machine, rules, due dates,
claim recalculation, actions, inbound handling, and the PartnerSpec that plugs them into the generic core."""
