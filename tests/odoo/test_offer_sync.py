"""A sale on one account reaches every other account's marketplace.

A real Odoo server runs queue_job's runner; two Mirakl accounts (two shops of
the sandbox) list the same products. An order imported from the first shop
reserves stock; with nothing but the runner and the accounts' own delays at
work, the second shop must show the new quantity within 60 seconds.
"""

import time
from datetime import timedelta

import pytest
from mphub.sandbox import Sandbox

from .test_order_import_acceptance import wait_for_jobs


def make_account(env, sandbox, name, operator, key):
    from odoo import fields

    warehouse = env["stock.warehouse"].search(
        [("company_id", "=", env.company.id)], limit=1
    )
    backend = env["mp.backend"].create(
        {
            "name": name,
            "backend_type": "mirakl",
            "mirakl_operator": operator,
            "endpoint_url": sandbox.urls["mirakl"],
            "api_key": key,
            "warehouse_id": warehouse.id,
            "pricelist_id": env["mp.demo"]._sandbox_pricelist().id,
            "import_from": fields.Datetime.now() - timedelta(minutes=5),
            "accept_mode": "always",
            "import_orders": False,  # imported by hand below, not by the cron
            "retry_base_delay": 1,
        }
    )
    backend.action_mirakl_apply_profile()
    return backend.id


# the test's own catalogue products: the other tests' orders reserve stock of
# the first ones, sometimes while this test runs
FIRST = 900_000


@pytest.fixture
def own_sandbox():
    """A sandbox of this test alone: its order must not reach the accounts of
    the other tests."""
    with Sandbox(seed=42) as box:
        yield box


def test_a_sale_reaches_the_other_account_within_a_minute(
    odoo_env, odoo_server, own_sandbox
):
    sandbox = own_sandbox
    mirakl = sandbox.emulators["mirakl"]
    mirakl.create_offers(2001, 60, quantity=0, start=FIRST)
    mirakl.create_offers(2002, 60, quantity=0, start=FIRST)
    # the order waits in the shop until account A imports it
    (order_id,) = mirakl.create_orders(2001, 1, lines=(1, 1), catalog_start=FIRST)
    (line,) = mirakl.shop(2001).orders[order_id].lines
    sku, ordered = line.offer_sku, line.quantity
    with odoo_env() as env:
        products = env["mp.demo"]._load_sandbox_catalog(
            size=60, quantity=0, start=FIRST
        )
        product = products.filtered(lambda p: p.default_code == sku)
        stock = env["stock.warehouse"].search([], limit=1).lot_stock_id
        env["stock.quant"]._update_available_quantity(product, stock, 100)
        first = make_account(
            env, sandbox, "Sync A", "carrefour", "sandbox-carrefour-key"
        )
        second = make_account(
            env, sandbox, "Sync B", "boulanger", "sandbox-boulanger-key"
        )
        for backend in env["mp.backend"].browse([first, second]):
            backend._schedule_listing_sync("import")
    for backend_id in (first, second):
        counts = wait_for_jobs(odoo_env, backend_id, timeout=300)
        assert not counts.get("failed"), counts
    with odoo_env() as env:
        # the accounts sell the stock of their warehouse
        warehouse = env["stock.warehouse"].search([], limit=1)
        free = (
            env["product.product"]
            .with_context(warehouse_id=warehouse.id)
            .search([("default_code", "=", sku)])
            .free_qty
        )
    assert free > ordered
    assert mirakl.offer(2002, sku)["quantity"] == free
    started = time.monotonic()
    with odoo_env() as env:
        env["mp.backend"].browse(first)._schedule_import_orders()
    while mirakl.offer(2002, sku)["quantity"] != free - ordered:
        assert time.monotonic() - started < 60, mirakl.offer(2002, sku)
        time.sleep(0.5)
    latency = time.monotonic() - started
    print(
        f"\nsale on account A to quantity on account B's marketplace: {latency:.1f} s"
    )
    assert mirakl.offer(2001, sku)["quantity"] == free - ordered
    with odoo_env() as env:
        # this sandbox stops with the test: the accounts must not call it later
        env["mp.backend"].browse([first, second]).write({"active": False})
    assert not odoo_server.errors()
