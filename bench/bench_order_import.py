#!/usr/bin/env python3
"""Order import speed: the connector against bare batched ORM calls.

Usage (with the Python that runs Odoo 18 and the suite's requirements)::

    python3 bench/bench_order_import.py --orders 500 --addons-path ... \
        [--db NAME] [--db_host H --db_port P --db_user U]

Without ``--db`` it creates a throwaway database with ``mp_mirakl`` installed
(no demo data) and drops it afterwards. It then:

1. starts the sandbox and creates N valid orders (about 2 lines each) in a
   Mirakl shop;
2. **connector**: schedules an import and runs the jobs it leads to (pages,
   processing batches) in this process, one after the other, through
   queue_job's own ``Job`` (load, perform, store, commit), as a runner's
   worker does; the time runs from the scheduling to the last sale order
   confirmed, HTTP calls to the emulator included. The acceptances the
   import queued (one OR21 job per order) run afterwards and are timed
   apart;
3. **bare ORM**: creates the same N orders (same buyers with their delivery
   addresses, same products, prices, taxes and shipping lines) with batched
   ``create`` calls and confirms them with batched ``action_confirm``;
4. prints both rates and the ratio connector / bare.
"""

import argparse
import os
import sys
import time
from collections import defaultdict
from datetime import timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def add_odoo_arguments(parser):
    """The options every bench takes to reach Odoo and its database."""
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--db_host")
    parser.add_argument("--db_port")
    parser.add_argument("--db_user", default="odoo")
    parser.add_argument("--db_password")
    parser.add_argument("--keep-db", action="store_true")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--db", help="existing database with mp_mirakl installed")
    parser.add_argument("--batch-size", type=int, default=20)
    add_odoo_arguments(parser)
    return parser.parse_args()


def odoo_setup(args, dbname):
    import odoo

    argv = ["-d", dbname, "--addons-path", args.addons_path, "--log-level=warn"]
    for key in ("db_host", "db_port", "db_user", "db_password"):
        if getattr(args, key):
            argv += [f"--{key}", str(getattr(args, key))]
    odoo.tools.config.parse_config(argv, setup_logging=True)
    return odoo


def create_database(odoo, dbname, module="mp_mirakl"):
    from odoo.modules.registry import Registry
    from odoo.service import db as db_service

    db_service._create_empty_database(dbname)
    odoo.tools.config["init"] = {module: 1}
    odoo.tools.config["without_demo"] = "all"
    registry = Registry.new(dbname, update_module=True)
    odoo.tools.config["init"] = {}
    return registry


def run_jobs_like_a_worker(registry, backend_id, channel):
    """Perform the backend's jobs of a channel as queue_job's runner would."""
    from odoo import SUPERUSER_ID, api

    from odoo.addons.queue_job.exception import RetryableJobError
    from odoo.addons.queue_job.job import Job

    performed = retried = 0
    while True:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            jobs = env["queue.job"].search(
                [
                    ("mp_backend_id", "=", backend_id),
                    ("state", "=", "pending"),
                    ("channel", "=", channel),
                ],
                order="priority, date_created, id",
                limit=1,
            )
            if not jobs:
                return performed, retried
            job = Job.load(env, jobs.uuid)
            job.set_enqueued()
            job.set_started()
            job.store()
            cr.commit()
            try:
                job.perform()
                env.flush_all()
                job.set_done()
                job.store()
                cr.commit()
                performed += 1
            except RetryableJobError as err:
                cr.rollback()
                job.postpone(result=str(err), seconds=0)
                job.set_pending(reset_retry=False)
                job.store()
                cr.commit()
                retried += 1


def sandbox_backend(env, sandbox, name, key, **values):
    """A Carrefour Mirakl account on the sandbox, in the first warehouse."""
    from odoo import fields

    backend = env["mp.backend"].create(
        {
            "name": name,
            "backend_type": "mirakl",
            "mirakl_operator": "carrefour",
            "endpoint_url": sandbox.urls["mirakl"],
            "api_key": key,
            "warehouse_id": env["stock.warehouse"].search([], limit=1).id,
            "pricelist_id": env["mp.demo"]._sandbox_pricelist().id,
            "import_from": fields.Datetime.now() - timedelta(hours=1),
            **values,
        }
    )
    backend.action_mirakl_apply_profile()
    return backend


def connector_run(registry, sandbox, shop, key, batch_size):
    from odoo import SUPERUSER_ID, api

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        backend = sandbox_backend(
            env,
            sandbox,
            "Bench connector",
            key,
            accept_mode="always",
            batch_size=batch_size,
        )
        backend_id = backend.id
        cr.commit()
    started = time.perf_counter()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env["mp.backend"].browse(backend_id)._schedule_import_orders()
        cr.commit()
    performed, retried = run_jobs_like_a_worker(
        registry, backend_id, "root.marketplace.import"
    )
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    accepted, _retried = run_jobs_like_a_worker(
        registry, backend_id, "root.marketplace.export"
    )
    acceptance = time.perf_counter() - started
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        bindings = env["mp.order.binding"].search([("backend_id", "=", backend_id)])
        done = bindings.filtered(lambda b: b.state == "done")
        confirmed = done.sale_order_id.filtered(lambda o: o.state == "sale")
        raw_orders = [b.raw_payload for b in bindings]
        counts = (len(bindings), len(done), len(confirmed))
    return elapsed, performed, retried, counts, raw_orders, (accepted, acceptance)


def bare_orm_run(registry, raw_orders, batch_size):
    """The same orders through batched ORM calls, no connector involved."""
    from odoo import SUPERUSER_ID, Command, api

    started = time.perf_counter()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env.company
        warehouse = env["stock.warehouse"].search([], limit=1)
        france = env.ref("base.fr")
        skus = {line["offer_sku"] for o in raw_orders for line in o["order_lines"]}
        products = {
            p.default_code: p
            for p in env["product.product"].search([("default_code", "in", list(skus))])
        }
        taxes = {}
        for tax in env["account.tax"].search(
            [("type_tax_use", "=", "sale"), ("company_id", "=", company.id)]
        ):
            if tax.price_include:
                taxes.setdefault(tax.amount, tax)
        shipping_product = env.ref("mp_connector_base.product_marketplace_shipping")
        pricelist = env["mp.demo"]._sandbox_pricelist()
        buyers = {}
        for raw in raw_orders:
            customer = raw["customer"]
            buyers.setdefault(customer["customer_id"], customer)

        def address(data):
            return {
                "street": data["street_1"],
                "zip": data.get("zip_code"),
                "city": data["city"],
                "country_id": france.id,
            }

        ids = list(buyers)
        partners = env["res.partner"].create(
            [
                {
                    "name": f"{buyers[i]['firstname']} {buyers[i]['lastname']}",
                    **address(buyers[i]["billing_address"]),
                }
                for i in ids
            ]
        )
        partner_of = dict(zip(ids, partners, strict=True))
        deliveries = env["res.partner"].create(
            [
                {
                    "parent_id": partner_of[i].id,
                    "type": "delivery",
                    "name": f"{buyers[i]['firstname']} {buyers[i]['lastname']}",
                    **address(buyers[i]["shipping_address"]),
                }
                for i in ids
            ]
        )
        delivery_of = dict(zip(ids, deliveries, strict=True))
        for start in range(0, len(raw_orders), batch_size):
            vals_list = []
            for raw in raw_orders[start : start + batch_size]:
                buyer = raw["customer"]["customer_id"]
                lines = []
                shipping = defaultdict(float)
                for line in raw["order_lines"]:
                    # what the books know: the product's tax (OR11 may give
                    # no rate); the sandbox's shipping is at 20 %
                    product = products[line["offer_sku"]]
                    lines.append(
                        Command.create(
                            {
                                "product_id": product.id,
                                "product_uom_qty": line["quantity"],
                                "price_unit": line["price_unit"],
                                "tax_id": [Command.set(product.taxes_id.ids)],
                            }
                        )
                    )
                    if line["shipping_price"]:
                        shipping[20.0] += line["shipping_price"]
                for rate, amount in shipping.items():
                    lines.append(
                        Command.create(
                            {
                                "product_id": shipping_product.id,
                                "price_unit": amount,
                                "tax_id": [Command.set(taxes[rate].ids)],
                                "is_delivery": True,
                            }
                        )
                    )
                vals_list.append(
                    {
                        "pricelist_id": pricelist.id,
                        "partner_id": partner_of[buyer].id,
                        "partner_shipping_id": delivery_of[buyer].id,
                        "warehouse_id": warehouse.id,
                        "client_order_ref": raw["order_id"],
                        "order_line": lines,
                    }
                )
            orders = env["sale.order"].create(vals_list)
            orders.action_confirm()
        cr.commit()
    return time.perf_counter() - started


def main():
    args = parse_args()
    dbname = args.db or f"mphub_bench_{int(time.time())}"
    odoo = odoo_setup(args, dbname)
    from mphub.sandbox import Sandbox

    from odoo.modules.registry import Registry

    registry = Registry(dbname) if args.db else create_database(odoo, dbname)
    try:
        with registry.cursor() as cr:
            from odoo import SUPERUSER_ID, api

            env = api.Environment(cr, SUPERUSER_ID, {})
            env["mp.demo"]._load_sandbox_catalog(size=60, quantity=100000)
            cr.commit()
        with Sandbox(seed=11) as sandbox:
            sandbox.emulators["mirakl"].create_orders(2001, args.orders)
            elapsed, performed, retried, counts, raw_orders, acceptance = connector_run(
                registry, sandbox, 2001, "sandbox-carrefour-key", args.batch_size
            )
        bare = bare_orm_run(registry, raw_orders, args.batch_size)
    finally:
        registry.cursor().close()
        if not args.db and not args.keep_db:
            from odoo.service import db as db_service

            Registry.delete(dbname)
            db_service.exp_drop(dbname)
    n = args.orders
    print(f"orders: {n} ({counts[1]} imported, {counts[2]} confirmed)")
    print(
        f"connector: {elapsed:.1f} s, {n / elapsed:.1f} orders/s "
        f"({performed} jobs, {retried} retries)"
    )
    print(
        f"then acceptance sent for {acceptance[0]} orders (OR21, one job each): "
        f"{acceptance[1]:.1f} s"
    )
    print(f"bare ORM:  {bare:.1f} s, {n / bare:.1f} orders/s")
    print(f"ratio connector / bare ORM time: {elapsed / bare:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
