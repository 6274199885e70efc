#!/usr/bin/env python3
"""Repricing speed: the engine over N offers with C competitors each.

Usage::

    .venv/bin/python bench/bench_repricing.py [--offers 100000] [--competitors 10] \
        [--addons-path ... --template mphub_tpl --db_host H --db_port P]

1. **engine run**: builds N offers (seeded, varied costs, ceilings, stocks
   and competitors: merchant and marketplace fulfilment, ratings, own
   offers among them, some below the floor), then times
   ``mphub.repricing.run`` of a rule with filters, guards and conditions
   over them (the floors included); target under 3 s for 100,000 x 10 on
   a 2-core machine. Building the inputs is not timed.
2. **Odoo run** (with ``--addons-path`` and the database options of
   ``bench/bench_repricing_odoo.py``): a rule's run over the same number
   of offers and competitors in a throwaway database, from the snapshots
   to the queued price exports; target under 60 s for 100,000 x 10.
"""

import argparse
import random
import sys
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_repricing_odoo import add_arguments as add_odoo_arguments  # noqa: E402
from mphub.pricing import CompetitorOffer  # noqa: E402
from mphub.repricing import (  # noqa: E402
    Conditions,
    Costs,
    Filters,
    Guards,
    OfferInput,
    Rule,
    Strategy,
    run,
)

TARGET_SECONDS = 3.0
NOW = datetime(2025, 3, 12, 10, 0)


def _money(rng, low, high):
    return Decimal(rng.randint(low * 100, high * 100)) / 100


def _competitors(rng, index, count, base):
    offers = []
    for number in range(count):
        offers.append(
            CompetitorOffer(
                seller=f"seller-{(index + number) % 500}",
                price=base + _money(rng, -5, 8),
                shipping=Decimal("0.00") if number % 3 else Decimal("2.99"),
                condition="11" if number % 5 else "1",
                seller_type="professional",
                rating=Decimal(rng.randint(30, 50)) / 10,
                rating_count=rng.randint(0, 5000),
                fulfilment="marketplace" if number % 4 == 0 else "merchant",
                featured=number == 0,
                own=number == count - 1 and index % 7 == 0,
            )
        )
    return tuple(offers)


def build_offers(count, competitors, seed=14):
    rng = random.Random(seed)
    offers = []
    for index in range(count):
        cost = _money(rng, 5, 80)
        base = cost * Decimal("1.6")
        costs = Costs(
            cost=cost,
            commission_rate=Decimal("0.15"),
            fixed_fees=Decimal("0.50"),
            shipping_cost=Decimal("0") if index % 2 else Decimal("3.20"),
            margin_rate=Decimal("0.10"),
            vat_rate=Decimal("0.20"),
        )
        offers.append(
            OfferInput(
                key=index,
                current_price=(base + _money(rng, 0, 6)).quantize(Decimal("0.01")),
                competitors=_competitors(rng, index, competitors, base),
                costs=costs,
                ceiling=(cost * 3).quantize(Decimal("0.01")),
                stock=rng.randint(0, 50),
                last_sale_at=NOW - timedelta(days=rng.randint(0, 60)),
                last_change_at=NOW - timedelta(hours=rng.randint(0, 48)),
            )
        )
    return offers


def bench_rule():
    return Rule(
        id=1,
        name="bench",
        strategy=Strategy("beat_lowest", amount=Decimal("0.10")),
        filters=Filters(
            fulfilments=("merchant",),
            conditions=("11",),
            min_rating=Decimal("3.5"),
            exclude_sellers=("seller-13",),
        ),
        guards=Guards(
            max_change_run_percent=Decimal("5"),
            max_change_day_percent=Decimal("10"),
            min_interval=timedelta(hours=1),
        ),
        conditions=Conditions(
            low_stock=3,
            low_stock_raise_percent=Decimal("5"),
            sleeping_days=30,
            sleeping_drop_percent=Decimal("3"),
        ),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offers", type=int, default=100_000)
    parser.add_argument("--competitors", type=int, default=10)
    add_odoo_arguments(parser)
    args = parser.parse_args()
    offers = build_offers(args.offers, args.competitors)
    rule = bench_rule()
    started = time.perf_counter()
    result = run(rule, offers, NOW)
    elapsed = time.perf_counter() - started
    verdict = "OK" if elapsed < TARGET_SECONDS else "OVER TARGET"
    print(
        f"engine run: {args.offers} offers x {args.competitors} competitors "
        f"in {elapsed:.2f} s (target < {TARGET_SECONDS:.0f} s for 100,000 x 10): "
        f"{verdict}"
    )
    print(f"  states: {result.stats}")
    # ------------------------------------------------------------------
    # Odoo run: bench/bench_repricing_odoo.py, same sizes
    # ------------------------------------------------------------------
    if not args.addons_path:
        print(
            "Odoo run: not measured (give --addons-path and the database "
            "options, see bench/bench_repricing_odoo.py)"
        )
        return
    from bench_repricing_odoo import run_bench

    run_bench(args)


if __name__ == "__main__":
    main()
