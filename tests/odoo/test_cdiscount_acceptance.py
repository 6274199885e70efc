"""Acceptance of the Cdiscount order import, on both API generations.

The foundation's acceptance (``test_order_import_acceptance.py``) for
Cdiscount: a real Odoo server runs queue_job's runner with two workers; the
sandbox's Cdiscount emulator serves N orders (``MPHUB_ACCEPTANCE_ORDERS``,
default 150; 2,000 for the full acceptance run), 10 % with an unknown SKU and
2 % malformed. Two imports at once, then again: exactly the valid orders
once each, their totals to the cent (the emulator's ``total``: active lines
and shipping, tax included), the others in error with their reason and
payload, nothing changed by importing again. With faults (REST: 20 % of 429
with Retry-After and 10 % of 5xx; SOAP: 20 % of answers refused for the
Quota and 10 % of 5xx): the same end state, the journal shows the retries.

Each test runs on the Octopia REST API and on the SOAP Marketplace API; each
generation's account sells as its own sandbox seller (98979 REST, 98980
SOAP), so that each imports its own orders only. Each test starts from an
empty order store of the emulator: a new account's window would otherwise
hold the orders an earlier test accepted.
"""

import os
from datetime import timedelta

import pytest

from .test_order_import_acceptance import assert_end_state as import_end_state
from .test_order_import_acceptance import (
    import_and_wait,
    import_twice_at_once,
    import_with_faults,
    snapshot,
    wait_for_jobs,
)

N_ORDERS = int(os.environ.get("MPHUB_ACCEPTANCE_ORDERS") or 150)
# generation -> the sandbox seller its account sells as
SELLERS = {"rest": "98979", "soap": "98980"}
# A Quota refusal names no delay (a 429 has its Retry-After): a job refused
# again and again waits the base's backoff, doubling from the account's retry
# delay (1 s here) up to 15 minutes (give or take 20 %). An acceptance job
# makes one SOAP call (ValidateOrderList, its lines taken from the stored
# payload), so 3 attempts in 10 fail at these fault rates; among 1,760 jobs
# the longest run of refusals is 6 to 9 in a row, whose waits take up to ten
# minutes. The wait allows for a run of 10.
QUOTA_TIMEOUT = max(900, N_ORDERS) + round(1.2 * sum(2**n for n in range(10)))
generations = pytest.mark.parametrize("generation", list(SELLERS))


def make_backend(env, sandbox, name, generation):
    from odoo import fields

    env["mp.demo"]._load_sandbox_catalog(size=60, quantity=0)
    warehouse = env["stock.warehouse"].search(
        [("company_id", "=", env.company.id)], limit=1
    )
    backend = env["mp.backend"].create(
        {
            **env["mp.demo"]._cdiscount_sandbox_values(
                sandbox.urls["cdiscount"], SELLERS[generation], generation
            ),
            "name": name,
            "warehouse_id": warehouse.id,
            "pricelist_id": env["mp.demo"]._sandbox_pricelist().id,
            "import_from": fields.Datetime.now() - timedelta(hours=1),
            "accept_mode": "always",
            "retry_base_delay": 1,
            "request_timeout": 10,
            "batch_size": 20,
        }
    )
    return backend.id


def new_account(odoo_env, sandbox, name, generation):
    """N orders of the generation's seller, in an emptied store, and a new
    account of the generation selling as it: (the orders' records as the
    emulator tells them, the account's id)."""
    cdiscount = sandbox.emulators["cdiscount"]
    cdiscount.reset_store()
    numbers = cdiscount.create_orders(
        SELLERS[generation],
        N_ORDERS,
        unknown_sku_share=0.1,
        malformed_share=0.02,
    )
    truth = {number: cdiscount.order_record(number) for number in numbers}
    with odoo_env() as env:
        backend_id = make_backend(env, sandbox, f"{name} {generation}", generation)
    return truth, backend_id


def assert_end_state(env, backend_id, truth):
    """The end state of the order import, with Cdiscount's totals to the
    cent; fulfilment orders delivered from the fulfilment warehouse."""

    def fulfilment_delivered(binding, record):
        order = binding.sale_order_id
        if record["supply_mode"] == "Fulfillment":
            backend = binding.backend_id
            assert order.warehouse_id == backend.cdiscount_fulfilment_warehouse_id
            assert set(order.picking_ids.mapped("state")) == {"done"}
        else:
            assert order.warehouse_id != (
                binding.backend_id.cdiscount_fulfilment_warehouse_id
            )

    return import_end_state(
        env,
        backend_id,
        truth,
        total_of=lambda binding, record: record["total"],
        check_order=fulfilment_delivered,
    )


def import_with_quota_faults(odoo_env, emulator, backend_id, check):
    """One import with 20 % of the SOAP answers refused for the Quota (the
    SOAP API's throttling: HTTP 200, OperationSuccess false, ErrorType
    Quota) and 10 % of 5xx: ``check(env)`` must hold, and the journal shows
    both kinds of retries."""
    emulator.set_faults({"rate_quota": 0.2, "rate_5xx": 0.1, "retry_after": 1})
    try:
        with odoo_env() as env:
            env["mp.backend"].browse(backend_id)._schedule_import_orders()
        counts = wait_for_jobs(odoo_env, backend_id, timeout=QUOTA_TIMEOUT)
    finally:
        emulator.set_faults({"rate_quota": 0, "rate_5xx": 0})
    assert not counts.get("failed"), counts
    with odoo_env() as env:
        check(env)
        retries = env["mp.sync.event"].search(
            [("backend_id", "=", backend_id), ("event_type", "=", "retry")]
        )
        messages = " ".join(retries.mapped("message"))
        assert "Quota" in messages, messages[:2000]
        assert "HTTP 5" in messages, messages[:2000]


@generations
def test_cdiscount_import_once_even_with_two_runs_at_once(
    odoo_env, odoo_server, sandbox, generation
):
    truth, backend_id = new_account(
        odoo_env, sandbox, "Cdiscount acceptance", generation
    )
    valid, elapsed, before = import_twice_at_once(
        odoo_env, backend_id, lambda env: assert_end_state(env, backend_id, truth)
    )
    print(
        f"\nCdiscount ({generation}): {N_ORDERS} orders ({valid} valid), "
        f"two runs at once: {elapsed:.1f} s"
    )
    # the acceptances sent meanwhile changed the orders on the marketplace:
    # the next import takes those updates, and creates nothing
    sale_orders = {k: v[1] for k, v in before.items()}
    import_and_wait(odoo_env, backend_id)
    with odoo_env() as env:
        assert_end_state(env, backend_id, truth)
        after = snapshot(env, backend_id)
    assert {k: v[1] for k, v in after.items()} == sale_orders
    # once more, twice at the same time: nothing changes at all
    import_and_wait(odoo_env, backend_id, runs=2)
    with odoo_env() as env:
        assert snapshot(env, backend_id) == after
        assert_end_state(env, backend_id, truth)
    assert not odoo_server.errors()


@generations
def test_cdiscount_same_end_state_with_throttling_and_server_errors(
    odoo_env, odoo_server, sandbox, generation
):
    truth, backend_id = new_account(odoo_env, sandbox, "Cdiscount faulty", generation)
    emulator = sandbox.emulators["cdiscount"]
    check = lambda env: assert_end_state(env, backend_id, truth)  # noqa: E731
    if generation == "rest":
        import_with_faults(odoo_env, emulator, backend_id, check)
    else:
        import_with_quota_faults(odoo_env, emulator, backend_id, check)
    assert not odoo_server.errors()
