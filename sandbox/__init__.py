"""Simulated court platforms: real servers on loopback that behave like a court ODR platform, for the demo,
the integration tests and integrators at a new court. Independent of the adapter's own mappings on purpose:
a mapping bug must show up as a disagreement with the sandbox, not be mirrored by it."""
