#!/usr/bin/env python3
"""Amazon offer export: 5,000 changed offers go out in JSON_LISTINGS_FEEDs.

Usage (with the Python that runs Odoo 18 and the suite's requirements)::

    python3 bench/bench_amazon_offer_export.py --offers 5000 --addons-path ... \
        [--db_host H --db_port P --db_user U] [--rejected 10] [--prices]

It creates a throwaway database with ``mp_amazon`` (no demo data), N
products with stock, the same N listings in the sandbox's Amazon emulator
(at Amazon's default usage plan) and N offers on one Amazon account, all
confirmed at their current values. Then:

1. the stock of every product changes (and its price, with ``--prices``:
   both go in the same messages) and ``--rejected`` listings are removed
   on Amazon's side; the export job and the feed polling run as a
   worker would: prints the offers pushed, the feeds created and their
   message counts (at most 25,000 each), the API calls, the time, and how
   many offers carry Amazon's processing-report error (must be exactly the
   rejected ones) and how many listings show the new quantity;
2. the export runs again with nothing changed: prints the API calls (must
   be 0).
"""

import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "bench"))

from bench_offer_export import (  # noqa: E402
    create_catalogue,
    create_offers,
    mark_confirmed,
)
from bench_order_import import (  # noqa: E402
    add_odoo_arguments,
    create_database,
    odoo_setup,
    run_jobs_like_a_worker,
)

SELLER = "A1SANDBOXSELLER1"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--offers", type=int, default=5000)
    parser.add_argument("--rejected", type=int, default=10)
    parser.add_argument("--feed-seconds", type=float, default=2.0)
    parser.add_argument("--prices", action="store_true", help="change every price too")
    add_odoo_arguments(parser)
    return parser.parse_args()


def amazon_backend(env, sandbox):

    from odoo import Command

    backends = env["mp.backend"]
    return backends.create(
        {
            **env["mp.demo"]._amazon_sandbox_values(sandbox.urls["amazon"], SELLER),
            "name": "Bench Amazon",
            "amazon_marketplace_ids": [
                Command.set(env.ref("mp_amazon.marketplace_fr").ids)
            ],
            "warehouse_id": env["stock.warehouse"].search([], limit=1).id,
            "pricelist_id": env["mp.demo"]._sandbox_pricelist().id,
            "import_orders": False,
            "export_delay": 0,
            "push_poll_delay": 0,
        }
    )


def main():
    args = parse_args()
    dbname = f"mphub_bench_amazon_{int(time.time())}"
    odoo = odoo_setup(args, dbname)
    from mphub.sandbox import Sandbox

    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry

    registry = create_database(odoo, dbname, "mp_amazon")
    n = args.offers
    try:
        with Sandbox(
            seed=42,
            catalog_size=n,
            options={"amazon": {"feed_processing_seconds": args.feed_seconds}},
        ) as sandbox:
            amazon = sandbox.emulators["amazon"]
            started = time.perf_counter()
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                product_ids = create_catalogue(env, n)
                backend = amazon_backend(env, sandbox)
                offers = create_offers(env, backend, product_ids)
                products = offers.product_id
                values = backend._compute_offer_values(offers.ids)
                mark_confirmed(env, values)
                backend_id = backend.id
                skus = products.mapped("default_code")
                cr.commit()
            amazon.create_listings(SELLER, n, quantity=50)
            print(
                f"set-up: {n} products, offers and Amazon listings in "
                f"{time.perf_counter() - started:.0f} s"
            )

            # 1. every product's stock changes; some listings are gone
            rejected = set(skus[:: max(1, n // max(1, args.rejected))][: args.rejected])
            with amazon.lock:
                for sku in rejected:
                    del amazon.sellers[SELLER].listings[sku]
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                location = env["stock.warehouse"].search([], limit=1).lot_stock_id
                products = env["product.product"].with_context(tracking_disable=True)
                for product in products.browse(product_ids):
                    env["stock.quant"]._update_available_quantity(product, location, -3)
                    if args.prices:
                        product.list_price += 1
                cr.commit()
            calls_before = amazon.stats.calls()
            started = time.perf_counter()
            performed, retried = run_jobs_like_a_worker(
                registry, backend_id, "root.marketplace.export"
            )
            elapsed = time.perf_counter() - started
            stats = amazon.get_stats()
            calls = amazon.stats.calls() - calls_before
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                pushes = env["mp.offer.push"].search([("backend_id", "=", backend_id)])
                pushed = env["mp.offer.binding"].search_count(
                    [
                        "|",
                        ("stock_push_id", "in", pushes.ids),
                        ("price_push_id", "in", pushes.ids),
                    ]
                )
                feed_ids = sorted(set(pushes.mapped("external_id")) - {False})
                messages = [amazon.feed_record(i)["messages"] for i in feed_ids]
                kinds = sorted(set(pushes.mapped("kind")))
                offers = env["mp.offer.binding"].search(
                    [("backend_id", "=", backend_id)]
                )
                in_error = set(
                    offers.filtered(lambda o: o.stock_state == "error").mapped(
                        "seller_sku"
                    )
                )
                right = sum(
                    1
                    for sku in skus
                    if sku not in rejected
                    and amazon.listing_record(SELLER, sku)["quantity"] == 47
                )
            print(
                f"export of {n} changed offers ({' and '.join(kinds)}): {pushed} "
                f"pushed in {len(feed_ids)} feed(s) of {messages} messages "
                "(max 25,000), "
                f"{calls} API calls ({stats['createFeed']['calls']} createFeed, "
                f"{stats.get('getFeed', {}).get('calls', 0)} getFeed, "
                f"{stats.get('patchListingsItem', {}).get('calls', 0)} "
                f"patchListingsItem), {performed} jobs ({retried} polls), "
                f"{elapsed:.1f} s"
            )
            print(
                f"processing-report errors on offers: {len(in_error)} "
                f"(rejected listings: {len(rejected)}, same SKUs: "
                f"{in_error == rejected}); listings "
                f"showing the new quantity: {right} of {n - len(rejected)}"
            )

            # 2. nothing changed
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["mp.backend"].browse(backend_id)._schedule_offer_export(delay=0)
                cr.commit()
            calls_before = amazon.stats.calls()
            run_jobs_like_a_worker(registry, backend_id, "root.marketplace.export")
            print(
                "export with nothing changed: "
                f"{amazon.stats.calls() - calls_before} API calls"
            )
    finally:
        registry.cursor().close()
        if not args.keep_db:
            from odoo.service import db as db_service

            Registry.delete(dbname)
            db_service.exp_drop(dbname)


if __name__ == "__main__":
    main()
