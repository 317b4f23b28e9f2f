"""Each configured court platform as the core sees it, with the policies the outbox and the inbox both apply.

    registry.py         PlatformLink (connector, verifier, policies) and Platforms; link_platform builds one from
                        a platform's settings
    retry.py            RetryPolicy, backoff (pure), the Retry-After clamp, the quick in-process tries, the
                        slowest legitimate call
    breaker.py          CircuitBreaker and BreakerState: stop calling a failing platform, probe it once per cool-down
    credential_hold.py  CredentialHold: a court refusing our credentials holds the platform, one alert
    feed_hold.py        FeedHolds: a feed whose next item cannot be read waits at its cursor, said once
    signers.py          our signers and the courts' verifiers, built from signing settings (composition root only)

The outbox (adapter/outbox/send.py) and the inbox (adapter/inbox/poll_policy.py) apply these the same way.
"""
