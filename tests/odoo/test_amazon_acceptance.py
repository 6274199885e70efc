"""Acceptance of the Amazon order import with real workers, commits and HTTP.

A real Odoo server runs queue_job's runner with two workers; the sandbox's
Amazon emulator serves the orders through python-amazon-sp-api. The number
of orders defaults to 300 (``MPHUB_ACCEPTANCE_ORDERS=2000`` for the full
acceptance run). The emulator runs a usage plan 100 times Amazon's default
(Amazon grants larger plans to busy sellers): at the default plan,
getOrderItems alone (0.5 a second) would take over an hour for 2,000 orders;
the connector's buckets follow the plan the answers announce.

Each test runs on Orders API v2026-01-01 (the default) and on v0, with the
same exact end state; the two accounts of a seller sell on two marketplaces
(v2026-01-01 on Amazon.fr, v0 on Amazon.de), so that each imports its own
orders only.
"""

import os
from datetime import timedelta

import pytest

from .test_order_import_acceptance import (
    N_FAULTY,
    import_and_wait,
    import_twice_at_once,
    import_with_faults,
    snapshot,
)
from .test_order_import_acceptance import assert_end_state as import_end_state

N_ORDERS = int(os.environ.get("MPHUB_ACCEPTANCE_ORDERS") or 300)
RATE_SCALE = 100
# Orders API version -> the marketplace its account sells on
VERSIONS = {"2026-01-01": "fr", "v0": "de"}
MARKETPLACE_IDS = {"fr": "A13V1IB3VIYZZH", "de": "A1PA6795UKMFR9"}
versions = pytest.mark.parametrize("version", list(VERSIONS))


def make_backend(env, sandbox, name, seller, version):
    from odoo import Command, fields

    env["mp.demo"]._load_sandbox_catalog(size=60, quantity=0)
    warehouse = env["stock.warehouse"].search(
        [("company_id", "=", env.company.id)], limit=1
    )
    backends = env["mp.backend"]
    backend = backends.create(
        {
            **env["mp.demo"]._amazon_sandbox_values(sandbox.urls["amazon"], seller),
            "name": name,
            "amazon_orders_api": version,
            "amazon_marketplace_ids": [
                Command.set(env.ref(f"mp_amazon.marketplace_{VERSIONS[version]}").ids)
            ],
            "warehouse_id": warehouse.id,
            "pricelist_id": env["mp.demo"]._sandbox_pricelist().id,
            "import_from": fields.Datetime.now() - timedelta(hours=1),
            "retry_base_delay": 1,
            "request_timeout": 10,
            "batch_size": 20,
        }
    )
    learn_usage_plan(backend)
    return backend.id


def learn_usage_plan(backend):
    """One search of a window without orders: the account's buckets learn
    the emulator's usage plan from the answer, as after a first import, so
    that a 429 met at once is retried at the emulator's pace rather than
    at Amazon's default plan (searchOrders: one call every 3 minutes)."""
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc)
    client = backend._get_client()
    result = client.list_orders(
        now - timedelta(days=3), updated_before=now - timedelta(days=2)
    )
    assert not result.orders


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


class DenserFaults:
    """The Amazon emulator as ``import_with_faults`` sees it, with larger
    fault shares (``shares``): on Orders API v2026-01-01 an import makes one
    call a hundred orders (searchOrders, nothing per order), too few for
    the shares of v0's run (a call per order) to meet both a 429 and a
    5xx."""

    def __init__(self, emulator, shares):
        self.emulator, self.shares = emulator, shares

    def set_faults(self, values):
        self.emulator.set_faults(
            {
                key: self.shares.get(key, value) if value else value
                for key, value in values.items()
            }
        )

    def get_stats(self):
        return self.emulator.get_stats()


def create_orders(sandbox, seller, version, count=N_ORDERS):
    amazon = sandbox.emulators["amazon"]
    amazon.set_rate_scale(RATE_SCALE)
    ids = amazon.create_orders(
        seller,
        count,
        marketplace_id=MARKETPLACE_IDS[VERSIONS[version]],
        unknown_sku_share=0.1,
        malformed_share=0.02,
        afn_share=0.05,
        business_share=0.05,
        promotion_share=0.2,
        gift_share=0.05,
    )
    return {i: amazon.order_record(i) for i in ids}


@versions
def test_amazon_import_once_even_with_two_runs_at_once(
    odoo_env, odoo_server, sandbox, version
):
    seller = "A1SANDBOXSELLER1"
    truth = create_orders(sandbox, seller, version)
    with odoo_env() as env:
        name = f"Amazon acceptance {version}"
        backend_id = make_backend(env, sandbox, name, seller, version)
    valid, elapsed, before = import_twice_at_once(
        odoo_env, backend_id, lambda env: assert_end_state(env, backend_id, truth)
    )
    print(
        f"\nAmazon (Orders API {version}): {N_ORDERS} orders ({valid} valid), "
        f"two runs at once: {elapsed:.1f} s"
    )
    # importing again, then twice at the same time: nothing changes at all
    import_and_wait(odoo_env, backend_id)
    import_and_wait(odoo_env, backend_id, runs=2)
    with odoo_env() as env:
        assert snapshot(env, backend_id) == before
        assert_end_state(env, backend_id, truth)
    assert not odoo_server.errors()


@versions
def test_amazon_same_end_state_with_throttling_and_server_errors(
    odoo_env, odoo_server, sandbox, version
):
    seller = "A2SANDBOXSELLER2"
    # v0 calls once per order, each 429 costing its Retry-After: fewer orders
    # meet the faults as surely; v2026-01-01 calls once per hundred orders
    count = N_ORDERS if version == "2026-01-01" else N_FAULTY
    truth = create_orders(sandbox, seller, version, count)
    with odoo_env() as env:
        name = f"Amazon faulty {version}"
        backend_id = make_backend(env, sandbox, name, seller, version)
    emulator = sandbox.emulators["amazon"]
    import_with_faults(
        odoo_env,
        DenserFaults(emulator, {"rate_429": 0.4, "rate_5xx": 0.5})
        if version == "2026-01-01"
        else emulator,
        backend_id,
        lambda env: assert_end_state(env, backend_id, truth),
    )
    assert not odoo_server.errors()
