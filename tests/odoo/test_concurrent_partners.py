"""Two workers importing the same orders at once, on both partner strategies.

The generic-customer account used to fail with foreign-key violations on the
delivery address (a partner created in a rolled-back savepoint was used by the
batch) and gave the generic partner a buyer's address. Every order must be
imported exactly once, none in error, with the generic partner unchanged and
the delivery addresses under it. ``MPHUB_CONCURRENT_ORDERS`` sets the number
of orders (200 by default; ``bench/bench_concurrent_partners.py`` runs 2,000).
"""

import os
import time

import pytest

from .test_order_import_acceptance import (
    assert_end_state,
    import_twice_at_once,
    make_backend,
    sandbox_truth,
)

N_ORDERS = int(os.environ.get("MPHUB_CONCURRENT_ORDERS") or 200)
GENERIC_SHOP, GENERIC_KEY = 3001, "sandbox-generic-customer-key"
BUYER_SHOP, BUYER_KEY = 3002, "sandbox-per-buyer-key"
GENERIC_FIELDS = ("name", "street", "city", "zip", "country_id", "type", "parent_id")


def generic_values(partner):
    return {name: partner[name] for name in GENERIC_FIELDS}


def check_concurrent_import(odoo_env, sandbox, shop, key, strategy, count):
    """Import ``count`` new orders of ``shop`` twice at once on a new account
    of ``strategy``; assert the end state. Returns (valid, seconds)."""
    mirakl = sandbox.emulators["mirakl"]
    order_ids = mirakl.create_orders(shop, count)
    truth = sandbox_truth(sandbox, order_ids)
    with odoo_env() as env:
        # no address: Odoo gives such a parent the address of its first
        # contact, which must not happen to the generic customer
        generic = env["res.partner"].create(
            {"name": f"Generic customer {time.monotonic_ns()}"}
        )
        backend_id = make_backend(env, sandbox, f"Concurrent {strategy}", key)
        env["mp.backend"].browse(backend_id).write(
            {"partner_strategy": strategy, "generic_partner_id": generic.id}
        )
        generic_id, before = generic.id, generic_values(generic)

    def check(env):
        valid = assert_end_state(env, backend_id, truth)
        bindings = env["mp.order.binding"].search([("backend_id", "=", backend_id)])
        assert set(bindings.mapped("state")) == {"done"}, bindings.mapped(
            "error_message"
        )
        generic = env["res.partner"].browse(generic_id)
        assert generic_values(generic) == before
        orders = bindings.sale_order_id
        shipping = orders.partner_shipping_id
        assert set(shipping.mapped("type")) == {"delivery"}
        if strategy == "generic":
            assert orders.partner_id == generic
            assert orders.partner_invoice_id == generic
            assert shipping.parent_id == generic
        else:
            assert generic not in orders.partner_id
            for order in orders:
                assert order.partner_shipping_id.parent_id == order.partner_id
        return valid

    valid, elapsed, _snapshot = import_twice_at_once(odoo_env, backend_id, check)
    assert valid == count
    return valid, elapsed


@pytest.fixture(scope="module")
def own_sandbox():
    """Emulators of these tests only: no other test's orders in the window."""
    from mphub.sandbox import Sandbox

    shops = (
        (GENERIC_SHOP, "Generic customer shop", GENERIC_KEY),
        (BUYER_SHOP, "Per buyer shop", BUYER_KEY),
    )
    with Sandbox(seed=7, options={"mirakl": {"shops": shops}}) as box:
        yield box


def test_two_workers_on_a_generic_customer_account(odoo_env, odoo_server, own_sandbox):
    valid, elapsed = check_concurrent_import(
        odoo_env, own_sandbox, GENERIC_SHOP, GENERIC_KEY, "generic", N_ORDERS
    )
    print(f"\n{valid} orders, generic customer, two runs at once: {elapsed:.1f} s")
    assert not odoo_server.errors()


def test_two_workers_on_a_per_buyer_account(odoo_env, odoo_server, own_sandbox):
    valid, elapsed = check_concurrent_import(
        odoo_env, own_sandbox, BUYER_SHOP, BUYER_KEY, "buyer", N_ORDERS
    )
    print(f"\n{valid} orders, a partner per buyer, two runs at once: {elapsed:.1f} s")
    assert not odoo_server.errors()
