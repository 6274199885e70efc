#!/usr/bin/env python3
"""2,000 orders imported by two workers at once, on a generic-customer
account and on a per-buyer account.

Usage (with the Python that runs Odoo 18 and the suite's requirements)::

    python3 bench/bench_concurrent_partners.py [--orders 2000] [--keep-db]
        [--skip-install]

It runs ``tests/odoo/test_concurrent_partners.py`` through ``tests/run.py``
(a real Odoo server, queue_job's runner with two workers, the sandbox's
Mirakl emulator) with ``MPHUB_CONCURRENT_ORDERS`` set, and prints for each
strategy the time of the two imports run at once and the checks: every order
imported exactly once, none in error, no concurrency error in the server log,
the generic partner unchanged and the delivery addresses under it (the test
fails, and this script with it, when one does not hold).
"""

import argparse
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--skip-install", action="store_true")
    args = parser.parse_args()
    cmd = [
        sys.executable,
        os.path.join(ROOT, "tests", "run.py"),
        "--odoo-only",
        "-k",
        "test_concurrent_partners",
    ]
    if args.keep_db:
        cmd.append("--keep-db")
    if args.skip_install:
        cmd.append("--skip-install")
    env = dict(os.environ, MPHUB_CONCURRENT_ORDERS=str(args.orders))
    started = time.monotonic()
    result = subprocess.run(cmd, cwd=ROOT, env=env, check=False)
    elapsed = time.monotonic() - started
    verdict = "all checks hold" if result.returncode == 0 else "CHECKS FAILED"
    print(f"{args.orders} orders per strategy: {verdict} ({elapsed:.0f} s in all)")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
