#!/usr/bin/env python3
"""Shared Amazon rate buckets: what a token costs, and that none is lost.

Usage (with the Python that runs Odoo 18 and the suite's requirements)::

    python3 bench/bench_amazon_rate_buckets.py --addons-path ... \
        [--db_host H --db_port P --db_user U] [--calls 2000] [--threads 4]

It creates a throwaway database with ``mp_connector_base`` (no demo data)
and takes ``--calls`` tokens from one ``mp.rate.bucket`` row:

1. from one thread: the time per token (one statement on a pooled
   connection of its own), against the in-process bucket;
2. from ``--threads`` threads, each with its own store as separate Odoo
   processes would have, on a bucket whose burst is half the calls and
   whose refill is negligible: prints the tokens per second and checks
   that exactly the burst was granted at once and every other call got a
   slot of its own.

Amazon's fastest operation allows 5 calls a second, so any cost well under
a millisecond a call is noise next to the HTTP call it guards.
"""

import argparse
import os
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "bench"))

from bench_order_import import (  # noqa: E402
    add_odoo_arguments,
    create_database,
    odoo_setup,
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=4)
    add_odoo_arguments(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    dbname = f"mphub_bench_buckets_{int(time.time())}"
    odoo = odoo_setup(args, dbname)
    from mphub.amazon.throttle import SharedBucket, TokenBucket

    from odoo import SUPERUSER_ID, api

    registry = create_database(odoo, dbname, "mp_connector_base")
    n, workers = args.calls, max(1, args.threads)
    try:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            stores = [env["mp.rate.bucket"]._rate_store() for _ in range(workers)]

        # 1. one thread
        shared = SharedBucket(stores[0], "bench-one", "getOrder", 1e6, 10**9)
        started = time.perf_counter()
        for _ in range(n):
            shared.reserve()
        per_call = (time.perf_counter() - started) / n
        local = TokenBucket(1e6, 10**9)
        started = time.perf_counter()
        for _ in range(n):
            local.reserve()
        local_call = (time.perf_counter() - started) / n
        print(
            f"one thread, {n} tokens: shared bucket {per_call * 1000:.2f} ms a "
            f"token, in-process bucket {local_call * 1e6:.1f} µs a token"
        )

        # 2. several "processes" at once
        burst, rate = n // 2, 1e-6
        waits, lock = [], threading.Lock()

        def worker(store, count):
            bucket = SharedBucket(store, "bench-many", "getOrder", rate, burst)
            for _ in range(count):
                wait = bucket.reserve()
                with lock:
                    waits.append(wait)

        share = n // workers
        threads = [
            threading.Thread(target=worker, args=(store, share)) for store in stores
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        granted = sum(1 for wait in waits if wait == 0)
        slots = sorted(round(wait * rate) for wait in waits if wait > 0)
        exact = granted == burst and slots == list(range(1, len(waits) - burst + 1))
        print(
            f"{workers} threads with stores of their own, {len(waits)} tokens: "
            f"{len(waits) / elapsed:.0f} tokens/s; granted at once {granted} "
            f"(burst {burst}), the others {len(slots)} distinct slots: "
            f"{'exact' if exact else 'WRONG'}"
        )
        return 0 if exact else 1
    finally:
        if not args.keep_db:
            from odoo.modules.registry import Registry
            from odoo.service import db as db_service

            Registry.delete(dbname)
            db_service.exp_drop(dbname)


if __name__ == "__main__":
    sys.exit(main())
