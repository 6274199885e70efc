#!/usr/bin/env python3
"""Repricing speed in Odoo: a rule's run over N offers with C competitors'
offers each, from the snapshots to the queued price exports.

Usage (with the Python that runs Odoo 18; ``bench/bench_repricing.py``
calls it after the engine's figure when given ``--addons-path``)::

    python3 bench/bench_repricing_odoo.py --offers 100000 --competitors 10 \
        --addons-path ... [--template mphub_tpl] [--db_host H --db_port P \
        --db_user U] [--keep-db]

It creates a throwaway database (from ``--template``, a database with the
base's dependencies installed, else from scratch) with ``mp_repricing``
installed and no demo data, writes N products, their stock, N offers on one
account and N x C current snapshot rows in SQL (seeded), a rule owning every
offer, then times what the hourly job does: the offers' assignment, the
run (bulk reads, one engine call, bulk INSERT of the decisions, bulk UPDATE
of the offers) and the flush of the export marks that queues the account's
price export. Target: under 60 s for 100,000 x 10. The database is dropped
afterwards.
"""

import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

TARGET_SECONDS = 60.0
BENCH_TYPE = "bench"


def add_arguments(parser):
    parser.add_argument("--addons-path")
    parser.add_argument("--template", help="database to copy (base deps installed)")
    parser.add_argument("--db_host")
    parser.add_argument("--db_port")
    parser.add_argument("--db_user", default="odoo")
    parser.add_argument("--db_password")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--bench-db", help=argparse.SUPPRESS)  # a kept database
    parser.add_argument("--profile", action="store_true", help=argparse.SUPPRESS)


def _odoo(args, dbname):
    import odoo

    argv = ["-d", dbname, "--addons-path", args.addons_path, "--log-level=warn"]
    for key in ("db_host", "db_port", "db_user", "db_password"):
        if getattr(args, key, None):
            argv += [f"--{key}", str(getattr(args, key))]
    odoo.tools.config.parse_config(argv, setup_logging=True)
    return odoo


def _create_database(odoo, dbname, template):
    from odoo.modules.registry import Registry
    from odoo.service import db as db_service
    from odoo.sql_db import db_connect

    if template:
        with db_connect("postgres").cursor() as cr:
            cr._cnx.autocommit = True
            cr.execute(f'CREATE DATABASE "{dbname}" TEMPLATE "{template}"')
    else:
        db_service._create_empty_database(dbname)
    odoo.tools.config["init"] = {"mp_repricing": 1}
    odoo.tools.config["without_demo"] = "all"
    registry = Registry.new(dbname, update_module=True)
    odoo.tools.config["init"] = {}
    return registry


def _columns(cr, table):
    cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = %s AND column_name != 'id' ORDER BY ordinal_position",
        (table,),
    )
    return [row[0] for row in cr.fetchall()]


def _clone(cr, table, source_id, source_sql, overrides):
    """INSERT copies of row ``source_id`` of ``table``, one per row of
    ``source_sql`` (aliased ``x``), with ``overrides`` {column: SQL
    expression}; the new ids in order."""
    columns = _columns(cr, table)
    values = [overrides.get(column, f"t.{column}") for column in columns]
    cr.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM {table} t, ({source_sql}) x "
        f"WHERE t.id = %s ORDER BY x.n RETURNING id",
        (source_id,),
    )
    return sorted(row[0] for row in cr.fetchall())


def _plug_bench_type(env):
    field = type(env["mp.backend"])._fields["backend_type"]
    field.selection = [*field.selection, (BENCH_TYPE, "Bench")]
    field._selection = {**field._selection, BENCH_TYPE: "Bench"}


def build_data(env, offers, competitors, seed=14):
    """The catalogue, the account, its offers and their snapshots; the
    rule owning them."""
    from odoo import Command

    cr = env.cr
    company = env.company
    _plug_bench_type(env)
    tax = env["account.tax"].create(
        {
            "name": "Bench VAT 20% incl.",
            "amount": 20.0,
            "amount_type": "percent",
            "type_tax_use": "sale",
            "price_include_override": "tax_included",
            "company_id": company.id,
        }
    )
    product = env["product.product"].create(
        {
            "name": "Bench product",
            "list_price": 30.0,
            "standard_price": 10.0,
            "type": "consu",
            "is_storable": True,
            "taxes_id": [Command.set(tax.ids)],
        }
    )
    warehouse = env["stock.warehouse"].search(
        [("company_id", "=", company.id)], limit=1
    )
    env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 10)
    pricelist = env["product.pricelist"].create(
        {"name": "Bench", "currency_id": company.currency_id.id}
    )
    backend = env["mp.backend"].create(
        {
            "name": "Bench account",
            "backend_type": BENCH_TYPE,
            "endpoint_url": "https://bench.invalid",
            "api_key": "bench",
            "warehouse_id": warehouse.id,
            "pricelist_id": pricelist.id,
            "export_delay": 0,
        }
    )
    offer = env["mp.offer.binding"].create(
        {
            "backend_id": backend.id,
            "seller_sku": "BENCH-0",
            "product_id": product.id,
            "price_state": "confirmed",
            "sent_price": 30.0,
            "stock_state": "confirmed",
        }
    )
    quant = env["stock.quant"].search([("product_id", "=", product.id)], limit=1)
    env.flush_all()
    cr.execute("SELECT setseed(%s)", (seed / 100.0,))
    count = offers - 1
    series = f"SELECT g AS n FROM generate_series(1, {count}) g"
    template_ids = _clone(
        cr,
        "product_template",
        product.product_tmpl_id.id,
        series,
        {
            "name": "jsonb_build_object('en_US', 'Bench product ' || x.n)",
            "list_price": "round((20 + random() * 60)::numeric, 2)",
        },
    )
    ids_sql = "SELECT i AS tid, n FROM unnest(%s::int[]) WITH ORDINALITY u(i, n)"
    product_ids = _clone(
        cr,
        "product_product",
        product.id,
        cr.mogrify(ids_sql, (template_ids,)).decode(),
        {
            "product_tmpl_id": "x.tid",
            "default_code": "'BENCH-' || x.n",
            "barcode": "NULL",
            "standard_price": (
                f"jsonb_build_object('{company.id}', "
                "round((5 + random() * 40)::numeric, 2))"
            ),
        },
    )
    cr.execute(
        "INSERT INTO product_taxes_rel (prod_id, tax_id) SELECT unnest(%s::int[]), %s",
        (template_ids, tax.id),
    )
    by_product = cr.mogrify(
        "SELECT i AS pid, n FROM unnest(%s::int[]) WITH ORDINALITY u(i, n)",
        (product_ids,),
    ).decode()
    _clone(
        cr,
        "stock_quant",
        quant.id,
        by_product,
        {"product_id": "x.pid", "quantity": "floor(random() * 50)"},
    )
    offer_ids = _clone(
        cr,
        "mp_offer_binding",
        offer.id,
        by_product,
        {
            "product_id": "x.pid",
            "seller_sku": "'BENCH-' || x.n",
            "sent_price": "round((20 + random() * 60)::numeric, 2)",
        },
    )
    offer_ids.append(offer.id)
    # the current price of each offer is about its list price
    cr.execute(
        """
        UPDATE mp_offer_binding o SET sent_price = round(t.list_price * 1.05, 2)
          FROM product_product p JOIN product_template t ON t.id = p.product_tmpl_id
         WHERE p.id = o.product_id AND o.backend_id = %s
        """,
        (backend.id,),
    )
    _snapshots(cr, backend, competitors)
    rule = env["mp.repricing.rule"].create(
        {
            "name": "Bench rule",
            "simulation": False,
            "backend_ids": [Command.set(backend.ids)],
            "strategy": "beat_lowest",
            "beat_type": "amount",
            "beat_amount": 0.10,
            "filter_fulfilment": "merchant",
            "min_rating": 3.5,
            "exclude_sellers": "seller-13",
            "commission_source": "rate",
            "commission_percent": 15.0,
            "fixed_fees": 0.50,
            "margin_percent": 10.0,
            "ceiling_source": "cost_factor",
            "ceiling_factor": 3.0,
            "max_change_run_percent": 5.0,
            "max_change_day_percent": 10.0,
            "min_interval_minutes": 60,
            "low_stock": 3,
            "low_stock_raise_percent": 5.0,
            "sleeping_days": 30,
            "sleeping_drop_percent": 3.0,
        }
    )
    env["mp.repricing.rule"].search([("id", "!=", rule.id)]).active = False
    env.flush_all()
    cr.execute("ANALYZE")
    return backend, rule


def _snapshots(cr, backend, competitors):
    """``competitors`` current rows per offer of ``backend``, around the
    offer's price; the last one the seller's own offer for 1 in 7."""
    cr.execute(
        f"""
        INSERT INTO mp_competitor_snapshot
               (offer_id, backend_id, company_id, product_id, currency_id,
                seller, seller_id, seller_key, seller_type, price, shipping,
                landed, condition, fulfilment, rating, rating_count, featured,
                own, source, date_from, current, create_uid, write_uid,
                create_date, write_date)
        SELECT o.id, o.backend_id, o.company_id, o.product_id, %s,
               s.seller, NULL, upper(s.seller), 'professional', s.price,
               s.shipping, s.price + s.shipping, s.condition, s.fulfilment,
               s.rating, s.rating_count, s.featured, s.own, 'api',
               now() at time zone 'UTC' - interval '2 hours', TRUE, 1, 1,
               now() at time zone 'UTC', now() at time zone 'UTC'
          FROM mp_offer_binding o
          JOIN product_product p ON p.id = o.product_id
          JOIN product_template t ON t.id = p.product_tmpl_id
         CROSS JOIN LATERAL (
            SELECT 'seller-' || ((o.id + g) %% 500) AS seller,
                   round((t.list_price * (0.85 + random() * 0.3))::numeric, 2)
                       AS price,
                   CASE WHEN g %% 3 = 0 THEN 2.99 ELSE 0 END AS shipping,
                   CASE WHEN g %% 5 = 0 THEN '1' ELSE '11' END AS condition,
                   CASE WHEN g %% 4 = 0 THEN 'marketplace' ELSE 'merchant' END
                       AS fulfilment,
                   round((3 + random() * 2)::numeric, 1) AS rating,
                   floor(random() * 5000)::int AS rating_count,
                   g = 0 AS featured,
                   g = {competitors - 1} AND o.id %% 7 = 0 AS own
              FROM generate_series(0, {competitors - 1}) g
         ) s
         WHERE o.backend_id = %s
        """,
        (backend.currency_id.id, backend.id),
    )


def timed_run(env, rule):
    """What the rule's job does, then the marks' flush: (seconds, run)."""
    started = time.perf_counter()
    rule._assign_offers()
    run = rule._run("live")
    env["mp.offer.dirty"]._flush_marks()
    env.flush_all()
    return time.perf_counter() - started, run


def _time_statements(cr):
    """Print the statements taking more than 0.1 s (profiling)."""
    execute = cr.execute

    def timed(query, params=None, log_exceptions=True):
        started = time.perf_counter()
        result = execute(query, params, log_exceptions)
        elapsed = time.perf_counter() - started
        if elapsed > 0.1:
            text = getattr(query, "code", query)
            text = " ".join(str(text).split())
            print(f"  SQL {elapsed:.2f} s: {text[:120]}")
        return result

    cr.execute = timed


def run_bench(args):
    dbname = args.bench_db or f"mphub_bench_repricing_{int(time.time())}"
    odoo = _odoo(args, dbname)
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    from odoo.service import db as db_service

    if args.bench_db:
        registry = Registry(dbname)
    else:
        print(f"Odoo run: creating the database {dbname}...", flush=True)
        registry = _create_database(odoo, dbname, args.template)
    try:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            if args.bench_db:
                _plug_bench_type(env)
                backend = env["mp.backend"].search([("name", "=", "Bench account")])
                rule = env["mp.repricing.rule"].search([("name", "=", "Bench rule")])
            else:
                started = time.perf_counter()
                backend, rule = build_data(env, args.offers, args.competitors)
                # the collection that read the snapshots assigned the offers
                env["mp.repricing.rule"]._assign_offers(backend)
                env.flush_all()
                cr.commit()
                print(
                    f"  data: {args.offers} offers x {args.competitors} snapshot "
                    f"rows written in {time.perf_counter() - started:.1f} s "
                    "(not timed)",
                    flush=True,
                )
            if args.profile:
                import cProfile
                import pstats

                _time_statements(cr)
                profiler = cProfile.Profile()
                profiler.enable()
            elapsed, run = timed_run(env, rule)
            if args.profile:
                profiler.disable()
                pstats.Stats(profiler).sort_stats("tottime").print_stats(40)
            cr.execute(
                "SELECT count(DISTINCT offer_id) FROM mp_offer_dirty "
                "WHERE backend_id = %s",
                (backend.id,),
            )
            marked = cr.fetchone()[0]
            cr.execute(
                "SELECT count(*) FROM queue_job WHERE method_name = "
                "'_job_export_offers' AND state = 'pending'"
            )
            exports = cr.fetchone()[0]
            cr.execute("SELECT count(*) FROM mp_repricing_decision")
            decisions = cr.fetchone()[0]
            stats = (run.applied_count, run.blocked_count, run.war_blocked)
            duration = run.duration
            cr.rollback()
    finally:
        if not args.keep_db and not args.bench_db:
            Registry.delete(dbname)
            db_service.exp_drop(dbname)
    verdict = "OK" if elapsed < TARGET_SECONDS else "OVER TARGET"
    print(
        f"Odoo run: {args.offers} offers x {args.competitors} competitors from "
        f"snapshots to queued price exports in {elapsed:.1f} s (target < "
        f"{TARGET_SECONDS:.0f} s for 100,000 x 10): {verdict}"
    )
    print(
        f"  {decisions} decisions ({stats[0]} applied, {stats[1]} blocked, "
        f"price war {stats[2]}), {marked} offers marked, {exports} export "
        f"job(s) queued; the run's own time {duration:.1f} s"
    )
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offers", type=int, default=100_000)
    parser.add_argument("--competitors", type=int, default=10)
    add_arguments(parser)
    args = parser.parse_args()
    if not args.addons_path:
        parser.error("--addons-path is required")
    run_bench(args)


if __name__ == "__main__":
    main()
