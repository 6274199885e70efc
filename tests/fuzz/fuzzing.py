"""Shared plumbing of the fuzz tests: the example budget and the rule."""

import os

from hypothesis import HealthCheck, settings
from mphub.errors import MphubError

# examples per entry point; CI keeps the default, a campaign raises it
EXAMPLES = int(os.environ.get("MPHUB_FUZZ_EXAMPLES", "200"))

# the test command explores the same examples on every run (a red CI is
# then a regression, not a dice roll); MPHUB_FUZZ_RANDOM=1 explores anew
RANDOM = os.environ.get("MPHUB_FUZZ_RANDOM") == "1"

fuzz_settings = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not RANDOM,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def outcome(entry, value):
    """``("mapped", result)`` or ``("rejected", error)`` for a project
    error; any other exception propagates (a crash)."""
    try:
        return "mapped", entry.run(value)
    except MphubError as err:
        return "rejected", err


def assert_rule(entry, value):
    """The input maps to a sane result or raises a project error whose
    text says what is wrong."""
    kind, result = outcome(entry, value)
    if kind == "rejected":
        assert str(result).strip(), f"{entry.name}: an error without a reason"
        return
    problems = entry.check(result)
    assert not problems, f"{entry.name} accepted nonsense: {problems}"
