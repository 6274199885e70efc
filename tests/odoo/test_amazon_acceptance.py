"""Acceptance of the Amazon order import with real workers, commits and HTTP.

A real Odoo server runs queue_job's runner with two workers; the sandbox's
Amazon emulator serves the orders through python-amazon-sp-api. The number
of orders defaults to 300 (``MPHUB_ACCEPTANCE_ORDERS=2000`` for the full
acceptance run). The emulator runs a usage plan 100 times Amazon's default
(Amazon grants larger plans to busy sellers): at the default plan,
getOrderItems alone (0.5 a second) would take over an hour for 2,000 orders;
the connector's buckets follow the plan the answers announce.
"""

import os
from datetime import timedelta

from .test_order_import_acceptance import assert_end_state as import_end_state
from .test_order_import_acceptance import (
    import_and_wait,
    import_twice_at_once,
    import_with_faults,
    snapshot,
)

N_ORDERS = int(os.environ.get("MPHUB_ACCEPTANCE_ORDERS") or 300)
RATE_SCALE = 100


def make_backend(env, sandbox, name, seller):
    from odoo import Command, fields

    env["mp.backend"]._load_sandbox_catalog(size=60, quantity=0)
    warehouse = env["stock.warehouse"].search(
        [("company_id", "=", env.company.id)], limit=1
    )
    backends = env["mp.backend"]
    backend = backends.create(
        {
            **backends._amazon_sandbox_values(sandbox.urls["amazon"], seller),
            "name": name,
            "amazon_marketplace_ids": [
                Command.set(env.ref("mp_amazon.marketplace_fr").ids)
            ],
            "warehouse_id": warehouse.id,
            "pricelist_id": env["mp.backend"]._sandbox_pricelist().id,
            "import_from": fields.Datetime.now() - timedelta(hours=1),
            "retry_base_delay": 1,
            "request_timeout": 10,
            "batch_size": 20,
        }
    )
    return backend.id


def assert_end_state(env, backend_id, truth):
    """The end state of the order import, with Amazon's totals to the cent;
    FBA orders delivered from the FBA warehouse."""

    def fba_delivered(binding, record):
        if record["fulfillment_channel"] == "AFN":
            order = binding.sale_order_id
            assert order.warehouse_id == binding.backend_id.amazon_fba_warehouse_id
            assert set(order.picking_ids.mapped("state")) == {"done"}

    return import_end_state(
        env,
        backend_id,
        truth,
        total_of=lambda binding, record: record["order_total"],
        check_order=fba_delivered,
    )


def create_orders(sandbox, seller):
    amazon = sandbox.emulators["amazon"]
    amazon.set_rate_scale(RATE_SCALE)
    ids = amazon.create_orders(
        seller,
        N_ORDERS,
        unknown_sku_share=0.1,
        malformed_share=0.02,
        afn_share=0.05,
        business_share=0.05,
        promotion_share=0.2,
        gift_share=0.05,
    )
    return {i: amazon.order_record(i) for i in ids}


def test_amazon_import_once_even_with_two_runs_at_once(odoo_env, odoo_server, sandbox):
    truth = create_orders(sandbox, "A1SANDBOXSELLER1")
    with odoo_env() as env:
        backend_id = make_backend(env, sandbox, "Amazon acceptance", "A1SANDBOXSELLER1")
    valid, elapsed, before = import_twice_at_once(
        odoo_env, backend_id, lambda env: assert_end_state(env, backend_id, truth)
    )
    print(
        f"\nAmazon: {N_ORDERS} orders ({valid} valid), two runs at once: "
        f"{elapsed:.1f} s"
    )
    # importing again, then twice at the same time: nothing changes at all
    import_and_wait(odoo_env, backend_id)
    import_and_wait(odoo_env, backend_id, runs=2)
    with odoo_env() as env:
        assert snapshot(env, backend_id) == before
        assert_end_state(env, backend_id, truth)
    assert not odoo_server.errors()


def test_amazon_same_end_state_with_throttling_and_server_errors(
    odoo_env, odoo_server, sandbox
):
    truth = create_orders(sandbox, "A2SANDBOXSELLER2")
    with odoo_env() as env:
        backend_id = make_backend(env, sandbox, "Amazon faulty", "A2SANDBOXSELLER2")
    import_with_faults(
        odoo_env,
        sandbox.emulators["amazon"],
        backend_id,
        lambda env: assert_end_state(env, backend_id, truth),
    )
    assert not odoo_server.errors()
