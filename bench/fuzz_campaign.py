#!/usr/bin/env python3
"""Hostile input campaign: how every marketplace answer reader copes.

Usage::

    python3 bench/fuzz_campaign.py [--examples 10000] [--only NAME ...]
        [--owner answers|orders] [--tracebacks 3]

For each entry point of ``tests/fuzz/entry_points.py`` (listings, push
statuses and error reports, feed processing reports, shipments, paging,
Retry-After and rate-limit headers, the order mapping and sale order
plan), it draws ``--examples`` inputs mutated from realistic payloads
(hypothesis, no shrinking) and prints, per entry point: the inputs, those
mapped to a sane result, those rejected with a project error
(``mphub.errors``), the crashes (any other exception; the first few
distinct tracebacks follow the table) and the accepted nonsense (a
mapped result failing the entry point's sanity check). The rule is zero
crashes and zero accepted nonsense; the exit status is 1 otherwise.
"""

import argparse
import collections
import os
import sys
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from mphub.errors import MphubError  # noqa: E402

from tests.fuzz.entry_points import ENTRY_POINTS  # noqa: E402


def campaign(entry, examples):
    """Counts and samples of one entry point's campaign."""
    counts = collections.Counter()
    crashes = {}  # (type, where) -> traceback text
    nonsense = {}  # first problem -> input

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(entry.strategy)
    def one(value):
        counts["inputs"] += 1
        try:
            result = entry.run(value)
        except MphubError:
            counts["rejected"] += 1
            return
        except Exception as err:  # noqa: BLE001 - counting them is the point
            counts["crashes"] += 1
            frame = traceback.extract_tb(err.__traceback__)[-1]
            key = (type(err).__name__, f"{frame.filename}:{frame.lineno}")
            crashes.setdefault(key, traceback.format_exc(limit=-4))
            return
        try:
            problems = entry.check(result)
        except Exception as err:  # noqa: BLE001 - a result the check cannot read
            problems = [f"unreadable result ({type(err).__name__}: {err})"]
        if problems:
            counts["nonsense"] += 1
            nonsense.setdefault(problems[0][:120], repr(value)[:300])
        else:
            counts["mapped"] += 1

    one()
    return counts, crashes, nonsense


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=10000)
    parser.add_argument("--only", nargs="*", help="entry point names (substrings)")
    parser.add_argument("--owner", choices=("answers", "orders"))
    parser.add_argument("--tracebacks", type=int, default=3)
    args = parser.parse_args(argv)
    entries = [
        e
        for e in ENTRY_POINTS
        if (not args.only or any(s in e.name for s in args.only))
        and (not args.owner or e.owner == args.owner)
    ]
    header = (
        f"{'entry point':48} {'inputs':>7} {'mapped':>7} {'rejected':>8} "
        f"{'crashes':>7} {'nonsense':>8} {'s':>6}"
    )
    print(f"{args.examples} examples per entry point")
    print(header)
    print("-" * len(header))
    reports, failed = [], False
    for entry in entries:
        started = time.monotonic()
        counts, crashes, nonsense = campaign(entry, args.examples)
        print(
            f"{entry.name:48} {counts['inputs']:7} {counts['mapped']:7} "
            f"{counts['rejected']:8} {counts['crashes']:7} {counts['nonsense']:8} "
            f"{time.monotonic() - started:6.1f}",
            flush=True,
        )
        failed = failed or bool(counts["crashes"] or counts["nonsense"])
        reports.append((entry.name, crashes, nonsense))
    for name, crashes, nonsense in reports:
        for (kind, where), text in list(crashes.items())[: args.tracebacks]:
            print(f"\n== {name}: crash {kind} at {where}\n{text}")
        if len(crashes) > args.tracebacks:
            print(f"   ... {len(crashes) - args.tracebacks} more distinct crashes")
        for problem, value in list(nonsense.items())[: args.tracebacks]:
            print(f"\n== {name}: accepted nonsense: {problem}\n   input: {value}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
