"""Acceptance of the order import with real workers, commits and HTTP.

A real Odoo server runs queue_job's runner with two workers; the sandbox's
Mirakl emulator serves the orders. The number of orders defaults to 300
(``MPHUB_ACCEPTANCE_ORDERS=2000`` for the full acceptance run); the runs
under faults, where every 429 costs its Retry-After, take 100 by default
(``MPHUB_FAULTY_ORDERS``, else ``MPHUB_ACCEPTANCE_ORDERS``).
"""

import os
import time
from datetime import timedelta
from decimal import Decimal

import requests

N_ORDERS = int(os.environ.get("MPHUB_ACCEPTANCE_ORDERS") or 300)
N_FAULTY = int(
    os.environ.get("MPHUB_FAULTY_ORDERS")
    or os.environ.get("MPHUB_ACCEPTANCE_ORDERS")
    or 100
)
ACTIVE_JOB_STATES = ("wait_dependencies", "pending", "enqueued", "started")


def make_backend(env, sandbox, name, api_key):
    from odoo import fields

    env["mp.demo"]._load_sandbox_catalog(size=60, quantity=0)
    warehouse = env["stock.warehouse"].search(
        [("company_id", "=", env.company.id)], limit=1
    )
    backend = env["mp.backend"].create(
        {
            "name": name,
            "backend_type": "mirakl",
            "mirakl_operator": "carrefour",
            "endpoint_url": sandbox.urls["mirakl"],
            "api_key": api_key,
            "warehouse_id": warehouse.id,
            "pricelist_id": env["mp.demo"]._sandbox_pricelist().id,
            "import_from": fields.Datetime.now() - timedelta(hours=1),
            "accept_mode": "always",
            "retry_base_delay": 1,
            "request_timeout": 10,
            "batch_size": 20,
        }
    )
    backend.action_mirakl_apply_profile()
    return backend.id


def admin(sandbox, method, path, payload=None):
    response = requests.request(
        method, f"{sandbox.urls['mirakl']}/_sandbox/{path}", json=payload, timeout=10
    )
    response.raise_for_status()
    return response.json() if response.content else None


def wait_for_jobs(odoo_env, backend_id, timeout=None):
    # at the full size, a page throttled again and again waits the base's
    # backoff (up to 15 minutes) on top of the work
    timeout = timeout or max(900, int(N_ORDERS * 0.9))
    deadline = time.monotonic() + timeout
    while True:
        with odoo_env() as env:
            groups = env["queue.job"]._read_group(
                [("mp_backend_id", "=", backend_id)], ["state"], ["__count"]
            )
        counts = dict(groups)
        if not any(counts.get(state) for state in ACTIVE_JOB_STATES):
            return counts
        if time.monotonic() > deadline:
            raise AssertionError(f"jobs still running after {timeout} s: {counts}")
        time.sleep(1)


def import_and_wait(odoo_env, backend_id, runs=1):
    with odoo_env() as env:
        backend = env["mp.backend"].browse(backend_id)
        for _run in range(runs):
            backend._schedule_import_orders()
    counts = wait_for_jobs(odoo_env, backend_id)
    assert not counts.get("failed"), counts


def snapshot(env, backend_id):
    bindings = env["mp.order.binding"].search([("backend_id", "=", backend_id)])
    return {
        b.external_id: (b.state, b.sale_order_id.id, b.payload_hash, b.error_message)
        for b in bindings
    }


def assert_end_state(env, backend_id, truth, total_of=None, check_order=None):
    """Exactly the valid orders are confirmed sale orders, once each, with the
    marketplace's totals; the others are in error with reason and payload.

    ``total_of(binding, record)``: the marketplace's total of a valid order
    (default: the Mirakl payload's ``total_price``); ``check_order(binding,
    record)``: more assertions on a valid order."""
    bindings = env["mp.order.binding"].search([("backend_id", "=", backend_id)])
    assert sorted(bindings.mapped("external_id")) == sorted(truth)
    valid = 0
    for binding in bindings:
        record = truth[binding.external_id]
        assert binding.raw_payload
        if record["kind"] == "valid":
            valid += 1
            assert binding.state == "done", binding.error_message
            order = binding.sale_order_id
            assert order.state == "sale"
            expected = Decimal(
                str(
                    total_of(binding, record)
                    if total_of
                    else binding.raw_payload["total_price"]
                )
            )
            assert round(Decimal(str(order.amount_total)) - expected, 2) == 0, (
                binding.external_id,
                order.amount_total,
                expected,
            )
            if check_order:
                check_order(binding, record)
        else:
            assert binding.state == "error"
            assert binding.error_message
            assert binding.error_kind == (
                "product" if record["kind"] == "unknown_sku" else "data"
            )
            assert not binding.sale_order_id
    orders = env["sale.order"].search([("mp_backend_id", "=", backend_id)])
    assert len(orders) == valid
    assert len(set(orders.mapped("mp_external_id"))) == valid
    return valid


def sandbox_truth(sandbox, order_ids):
    return {i: admin(sandbox, "GET", f"orders/{i}") for i in order_ids}


def import_twice_at_once(odoo_env, backend_id, check):
    """Two imports of the same window at the same time, run to the end.

    ``check(env)`` asserts the end state and returns the number of valid
    orders. Returns (valid orders, seconds, snapshot of the bindings)."""
    started = time.monotonic()
    with odoo_env() as env:
        backend = env["mp.backend"].browse(backend_id)
        backend._schedule_import_orders()
        backend._schedule_import_orders()
    counts = wait_for_jobs(odoo_env, backend_id)
    elapsed = time.monotonic() - started
    assert not counts.get("failed"), counts
    with odoo_env() as env:
        valid = check(env)
        runs = env["mp.sync.run"].search(
            [("backend_id", "=", backend_id), ("operation", "=", "import_orders")]
        )
        assert set(runs.mapped("state")) == {"done"}
        return valid, elapsed, snapshot(env, backend_id)


def import_with_faults(odoo_env, emulator, backend_id, check):
    """One import with 20 % of 429 and 10 % of 5xx answers: ``check(env)``
    must hold, and the journal shows the retries."""
    emulator.set_faults({"rate_429": 0.2, "rate_5xx": 0.1, "retry_after": 1})
    try:
        with odoo_env() as env:
            env["mp.backend"].browse(backend_id)._schedule_import_orders()
        counts = wait_for_jobs(odoo_env, backend_id)
    finally:
        emulator.set_faults({"rate_429": 0, "rate_5xx": 0})
    assert not counts.get("failed"), counts
    with odoo_env() as env:
        check(env)
        retries = env["mp.sync.event"].search(
            [("backend_id", "=", backend_id), ("event_type", "=", "retry")]
        )
        assert retries, "the journal shows the retries"
        messages = " ".join(retries.mapped("message"))
        assert "429" in messages
        assert "HTTP 5" in messages
    stats = emulator.get_stats()
    assert sum(op.get("429", 0) for op in stats.values()) > 0


def test_import_once_even_with_two_runs_at_once(odoo_env, odoo_server, sandbox):
    mirakl = sandbox.emulators["mirakl"]
    order_ids = mirakl.create_orders(
        2001, N_ORDERS, unknown_sku_share=0.1, malformed_share=0.02
    )
    truth = sandbox_truth(sandbox, order_ids)
    with odoo_env() as env:
        backend_id = make_backend(env, sandbox, "Acceptance", "sandbox-carrefour-key")
    valid, elapsed, before = import_twice_at_once(
        odoo_env, backend_id, lambda env: assert_end_state(env, backend_id, truth)
    )
    print(f"\n{N_ORDERS} orders ({valid} valid), two runs at once: {elapsed:.1f} s")

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


def test_same_end_state_with_throttling_and_server_errors(
    odoo_env, odoo_server, sandbox
):
    mirakl = sandbox.emulators["mirakl"]
    order_ids = mirakl.create_orders(
        2002, N_FAULTY, unknown_sku_share=0.1, malformed_share=0.02
    )
    truth = sandbox_truth(sandbox, order_ids)
    with odoo_env() as env:
        backend_id = make_backend(env, sandbox, "Faulty", "sandbox-boulanger-key")
    import_with_faults(
        odoo_env,
        mirakl,
        backend_id,
        lambda env: assert_end_state(env, backend_id, truth),
    )
    assert not odoo_server.errors()
