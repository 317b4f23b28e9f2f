"""The tamper-evident audit log (#20): an append-only hash chain of every state change, message, operator action
and key event, with signed Merkle checkpoints.

chain.py (the entry's canonical bytes and hashes), merkle.py (RFC 6962 roots and inclusion proofs), settings.py,
append.py (the one choke point: entries are written in the transaction of their cause), sources.py (which stored
rows make entries), checkpoint.py (signed checkpoints, proofs), verify.py (`docking audit verify`).
"""
