"""Test configuration: Hypothesis profiles for development, CI and long fuzzing runs."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=100)
settings.register_profile(
    "ci",
    max_examples=300,
    deadline=None,  # shared CI machines are noisy; speed is measured in benchmarks/, not here
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
# Long local fuzzing runs (tests/test_fuzz_*.py): HYPOTHESIS_PROFILE=fuzz .venv/bin/python -m pytest ...
settings.register_profile(
    "fuzz",
    max_examples=20_000,
    deadline=None,
    print_blob=True,
    suppress_health_check=list(HealthCheck),
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
