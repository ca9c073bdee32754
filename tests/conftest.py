"""Suite-wide settings: the hypothesis profiles.

``HYPOTHESIS_PROFILE=ci`` (the default, and what CI runs): a fixed, derandomized set of examples, the same on
every run, sized to keep the suite's time reasonable. ``HYPOTHESIS_PROFILE=dev``: ten times the examples, drawn
afresh on each run, for hunting bugs locally (a failure prints the ``@reproduce_failure`` blob to keep).
Tests scale their own example counts with :func:`examples`.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

PROFILES = {"ci": 1, "dev": 10}

settings.register_profile("ci", max_examples=100, derandomize=True, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("dev", max_examples=1000, derandomize=False, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

_profile = os.environ.get("HYPOTHESIS_PROFILE", "ci")
if _profile not in PROFILES:
    raise ValueError(f"HYPOTHESIS_PROFILE={_profile!r} is not a profile; use one of {sorted(PROFILES)}")
settings.load_profile(_profile)
