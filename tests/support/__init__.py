"""What the tests share, named: test modules import helpers from here, never from each other or from a conftest.

    samples.py         canonical sample records (anonymised, valid check digits, China time)
    cases.py           cases in the adapter's database for unit tests: accepted and pending, a bare row, read back
    fake_court.py      the shipped fake court wired as a trusted platform; dispatch, lose, receive a case
    court.py           a sandbox court as the integration fixtures hold it (Court, PLATFORM, COURT_KID)
    runtime.py         drive and read a real runtime: pump its jobs, find cases and messages, move the centre on
    cli.py             `docking` in a child process: one command, a configuration file, `docking run`
    external.py        programs outside Python (xmlsec1, PostgreSQL): skipped when missing, a failure in CI
    raw_signatures.py  genuine signatures over signed times the real signers cannot produce

What the product itself offers tests (the fake clock, the private PostgreSQL server) is adapter.testing, shared
with bench/. conftest.py files define fixtures only.
"""
