#!/usr/bin/env python3
"""Offer export speed: compute and diff a whole catalogue, push 1 % of it.

Usage (with the Python that runs Odoo 18 and the suite's requirements)::

    python3 bench/bench_offer_export.py --offers 100000 --addons-path ... \
        [--db NAME] [--db_host H --db_port P --db_user U]

Without ``--db`` it creates a throwaway database with ``mp_mirakl`` installed
(no demo data) and drops it afterwards. It then:

1. creates N products with stock (batched ORM calls; the quants are written
   in SQL to keep the set-up short) and the same N offers in a Mirakl shop
   of the sandbox and on one account;
2. **compute + diff**: computes the quantity and price of the N offers
   (free stock of the warehouse, policy, pricelist, taxes, rounding) and
   diffs them against the last push, as a full export does; prints the time;
3. **changed export**: marks every offer confirmed at its value, changes the
   stock of 1 % of the products through the ORM, and runs the export job:
   prints how many offers were pushed (must be exactly the changed ones), the
   time, and the emulator's calls; runs it again with nothing changed (must
   make no call);
4. **latency**: changes the stock of one product and runs the jobs the change
   queues (export, then the batch polling) as soon as they are due, without
   the export delay; prints the time from the commit of the change to the
   emulator showing the new quantity. The end-to-end figure with the job
   runner and the export delay comes from ``tests/odoo/test_offer_sync.py``.
"""

import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "bench"))

from bench_order_import import (  # noqa: E402
    add_odoo_arguments,
    create_database,
    odoo_setup,
    run_jobs_like_a_worker,
    sandbox_backend,
)

SHOP = 2001
KEY = "sandbox-carrefour-key"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--offers", type=int, default=100000)
    parser.add_argument("--changed", type=float, default=0.01)
    parser.add_argument("--db", help="existing database with mp_mirakl installed")
    add_odoo_arguments(parser)
    parser.add_argument(
        "--profile", action="store_true", help="print where the compute time goes"
    )
    return parser.parse_args()


def create_catalogue(env, count, seed=42):
    """N storable products with 50 units each; returns their ids."""
    from mphub.sandbox import catalog

    from odoo import Command
    from odoo.tools import SQL

    company = env.company
    warehouse = env["stock.warehouse"].search(
        [("company_id", "=", company.id)], limit=1
    )
    demo = env["mp.demo"]
    taxes = {}
    products = env["product.product"].with_context(tracking_disable=True)
    ids = []
    for start in range(0, count, 2000):
        vals_list = []
        for index in range(start, min(count, start + 2000)):
            item = catalog.product(seed, index)
            rate = item["tax_rate"]
            if rate not in taxes:
                taxes[rate] = demo._sandbox_sale_tax(company, rate)
            vals_list.append(
                {
                    "name": item["name"],
                    "default_code": item["sku"],
                    "barcode": item["ean"],
                    "list_price": float(item["price"]),
                    "type": "consu",
                    "is_storable": True,
                    "taxes_id": [Command.set(taxes[rate].ids)],
                }
            )
        ids += products.create(vals_list).ids
        env.flush_all()
    env.cr.execute(
        SQL(
            """
            INSERT INTO stock_quant (product_id, location_id, company_id, quantity,
                                     reserved_quantity, in_date, create_date,
                                     write_date, create_uid, write_uid)
            SELECT id, %s, %s, 50, 0, now(), now(), now(), 1, 1
              FROM unnest(%s::int[]) AS id
            """,
            warehouse.lot_stock_id.id,
            company.id,
            ids,
        )
    )
    return ids


def create_offers(env, backend, product_ids):
    """An offer of ``backend`` per product (seller SKU = internal reference),
    without the marks their creation leaves."""
    products = env["product.product"].browse(product_ids)
    offers = env["mp.offer.binding"].create(
        [
            {
                "backend_id": backend.id,
                "product_id": product.id,
                "seller_sku": product.default_code,
            }
            for product in products
        ]
    )
    env["mp.offer.dirty"]._flush_marks()
    env["mp.offer.dirty"].search([]).unlink()
    return offers


def main():
    args = parse_args()
    dbname = args.db or f"mphub_bench_offers_{int(time.time())}"
    odoo = odoo_setup(args, dbname)
    from mphub.sandbox import Sandbox

    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry

    registry = Registry(dbname) if args.db else create_database(odoo, dbname)
    n = args.offers
    try:
        with Sandbox(seed=42) as sandbox:
            mirakl = sandbox.emulators["mirakl"]
            started = time.perf_counter()
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                product_ids = create_catalogue(env, n)
                backend = sandbox_backend(
                    env,
                    sandbox,
                    "Bench offers",
                    KEY,
                    import_orders=False,
                    export_delay=0,
                    push_poll_delay=0,
                )
                offers = create_offers(env, backend, product_ids)
                backend_id, offer_ids = backend.id, offers.ids
                cr.commit()
            mirakl.create_offers(SHOP, n)
            setup = time.perf_counter() - started
            print(f"set-up: {n} products, offers and sandbox listings in {setup:.0f} s")

            # 2. compute + diff the whole catalogue
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                backend = env["mp.backend"].browse(backend_id)
                profiler = None
                if args.profile:
                    import cProfile

                    profiler = cProfile.Profile()
                    profiler.enable()
                started = time.perf_counter()
                values = backend._compute_offer_values(offer_ids)
                computed = time.perf_counter() - started
                if profiler:
                    import pstats

                    profiler.disable()
                    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
                stock, prices = backend._diff_offer_values(values)
                total = time.perf_counter() - started
                print(
                    f"compute + diff of {n} offers: {total:.2f} s "
                    f"(compute {computed:.2f} s, diff {total - computed:.2f} s; "
                    f"{len(stock)} quantities and {len(prices)} prices to push "
                    "on a first export) (target < 10 s)"
                )
                # what a first full export would leave: every offer confirmed
                mark_confirmed(env, values)
                cr.commit()

            # 3. 1 % of the products change; export
            changed = max(1, int(n * args.changed))
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                stock_location = env["stock.warehouse"].search([], limit=1).lot_stock_id
                step = max(1, n // changed)
                for product in env["product.product"].browse(
                    product_ids[::step][:changed]
                ):
                    env["stock.quant"]._update_available_quantity(
                        product, stock_location, -3
                    )
                cr.commit()
            calls_before = mirakl_calls(sandbox)
            started = time.perf_counter()
            performed, _retried = run_jobs_like_a_worker(
                registry, backend_id, "root.marketplace.export"
            )
            elapsed = time.perf_counter() - started
            calls = mirakl_calls(sandbox) - calls_before
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                pushes = env["mp.offer.push"].search([("backend_id", "=", backend_id)])
                pushed = sum(pushes.mapped("line_count"))
                wrong = sum(
                    1
                    for sku in (
                        env["product.product"].browse(product_ids[::step][:changed])
                    ).mapped("default_code")
                    if mirakl.offer(SHOP, sku)["quantity"] != 47
                )
            print(
                f"export after {changed} products changed: {pushed} offers pushed "
                f"in {len(pushes)} batch(es), {performed} jobs, {calls} API calls, "
                f"{elapsed:.2f} s; emulator quantities wrong: {wrong}"
            )
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["mp.backend"].browse(backend_id)._schedule_offer_export(delay=0)
                cr.commit()
            calls_before = mirakl_calls(sandbox)
            run_jobs_like_a_worker(registry, backend_id, "root.marketplace.export")
            calls = mirakl_calls(sandbox) - calls_before
            print(f"export with nothing changed: {calls} API calls")

            # 4. latency of one change
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                product = env["product.product"].browse(product_ids[1])
                stock_location = env["stock.warehouse"].search([], limit=1).lot_stock_id
                warehouse = stock_location.warehouse_id
                env["stock.quant"]._update_available_quantity(
                    product, stock_location, -10
                )
                sku = product.default_code
                expected = int(product.with_context(warehouse_id=warehouse.id).free_qty)
                cr.commit()
            started = time.perf_counter()
            run_jobs_like_a_worker(registry, backend_id, "root.marketplace.export")
            shown = mirakl.offer(SHOP, sku)["quantity"]
            latency = time.perf_counter() - started
            print(
                f"stock change to emulator: {latency:.2f} s (jobs run as soon as "
                f"due; emulator shows {shown}, expected {expected})"
            )
    finally:
        registry.cursor().close()
        if not args.db and not args.keep_db:
            from odoo.service import db as db_service

            Registry.delete(dbname)
            db_service.exp_drop(dbname)


def mark_confirmed(env, values):
    """Record every offer as pushed and confirmed at its computed values."""
    from odoo.tools import SQL

    ids = list(values)
    env.cr.execute(
        SQL(
            """
            UPDATE mp_offer_binding o
               SET stock_state = 'confirmed', price_state = 'confirmed',
                   sent_quantity = v.quantity, confirmed_quantity = v.quantity,
                   sent_price = v.price, confirmed_price = v.price
              FROM unnest(%s::int[], %s::int[], %s::numeric[]) AS v(id, quantity, price)
             WHERE o.id = v.id
            """,
            ids,
            [values[i]["quantity"] for i in ids],
            [str(values[i]["price"]) for i in ids],
        )
    )


def mirakl_calls(sandbox):
    return sandbox.emulators["mirakl"].stats.calls()


if __name__ == "__main__":
    main()
