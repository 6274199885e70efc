"""Acceptance of the Fnac Darty order import, with batched acceptances.

The foundation's acceptance (``test_order_import_acceptance.py``) for Fnac
Darty: a real Odoo server runs queue_job's runner with two workers; a Fnac
Darty emulator of this module's own serves N orders
(``MPHUB_ACCEPTANCE_ORDERS``, default 200; 2,000 for the full acceptance
run), 10 % with an unknown SKU and 2 % malformed, and validates every
request the workers send against the official XSDs when they are at hand
(``../shared/contracts/fnac``, or under ``$MPHUB_CONTRACTS_DIR``: a request
off the contract is answered ``ERR_096`` and fails the run). Two imports at
once, then again: exactly the valid orders once each, their totals to the
cent (the emulator's ``total``: live lines at their unit price times the
quantity, plus their shipping, tax included), their lines and commission,
the others in error with their reason and payload, nothing changed by
importing again. Every valid order is accepted on the emulator once, in
orders_update calls of at most 25 orders, as few as the pace of the import
allows. With faults (20 % of 429 with Retry-After, 10 % of 5xx, every token
expired before the import and again when the first acceptances go out: root
``status="ERROR"`` documents): the same end state, the journal shows the
retries, the tokens were renewed.

The Fnac shop's account runs the first test, the Darty shop's the second:
two accounts of one partner, each importing its own shop's orders only.
"""

import math
import os
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from .test_order_import_acceptance import assert_end_state as import_end_state
from .test_order_import_acceptance import (
    import_and_wait,
    import_twice_at_once,
    snapshot,
    wait_for_jobs,
)

N_ORDERS = int(os.environ.get("MPHUB_ACCEPTANCE_ORDERS") or 200)
BATCH = 25  # orders per orders_update, Fnac's limit
PARTNER_ID = "5a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
# shop kind -> (shop id, key): this module's shops of the sandbox partner,
# apart from the demo accounts' (one account per shop and company)
SHOPS = {
    "fnac": (
        "7c0e1d2f-0000-4000-8000-000acce0f0a1",
        "3d1c6a52-0b7e-4f19-9a0c-acce0000f0a1",
    ),
    "darty": (
        "7c0e1d2f-0000-4000-8000-000acce0da21",
        "3d1c6a52-0b7e-4f19-9a0c-acce0000da21",
    ),
}
# where the contract tests read the official API descriptions
CONTRACTS = os.environ.get("MPHUB_CONTRACTS_DIR") or (
    Path(__file__).resolve().parents[2].parent / "shared" / "contracts"
)
XSD_DIR = Path(CONTRACTS) / "fnac"
# orders an accepted order is on the marketplace in (billing at once)
ACCEPTED_STATES = {"Accepted", "ToShip"}


@pytest.fixture(scope="module")
def fnac():
    """A Fnac Darty emulator validating requests against the official XSDs
    (when present), served on a free port: (emulator, base URL)."""
    from mphub.sandbox.fnac import FnacEmulator
    from mphub.sandbox.server import EmulatorServer

    options = {"xsd_dir": str(XSD_DIR)} if XSD_DIR.is_dir() else {}
    shops = [
        (shop_id, f"Acceptance {kind}", key, "FR")
        for kind, (shop_id, key) in SHOPS.items()
    ]
    emulator = FnacEmulator(seed=13, shops=shops, partner_id=PARTNER_ID, **options)
    server = EmulatorServer(emulator).start()
    yield emulator, server.url
    server.stop()


def make_backend(env, url, shop):
    from odoo import fields

    env["mp.demo"]._load_sandbox_catalog(size=60, quantity=0)
    warehouse = env["stock.warehouse"].search(
        [("company_id", "=", env.company.id)], limit=1
    )
    shop_id, key = SHOPS[shop]
    # an earlier run's account of the shop (one account per shop)
    env["mp.backend"].search(
        [("backend_type", "=", "fnac"), ("fnac_shop_id", "=", shop_id)]
    ).active = False
    backend = env["mp.backend"].create(
        {
            "name": f"Fnac Darty acceptance {shop}",
            "backend_type": "fnac",
            "endpoint_url": f"{url}/api.php",
            "fnac_partner_id": PARTNER_ID,
            "fnac_shop_id": shop_id,
            "fnac_key": key,
            "fnac_shop_kind": shop,
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


def new_account(odoo_env, fnac, shop):
    """N orders of the shop and a new account of it: (the orders' records
    as the emulator tells them, the account's id)."""
    emulator, url = fnac
    shop_id = SHOPS[shop][0]
    order_ids = emulator.create_orders(
        shop_id, N_ORDERS, unknown_sku_share=0.1, malformed_share=0.02
    )
    truth = {
        order_id: emulator.order_record(shop_id, order_id) for order_id in order_ids
    }
    with odoo_env() as env:
        backend_id = make_backend(env, url, shop)
    return truth, backend_id


def live_lines(record):
    return {
        line["line_id"]: (line["sku"], line["quantity"])
        for line in record["lines"]
        if line["state"] not in ("Refused", "Cancelled", "Refunded")
    }


def check_order(binding, record):
    """A valid order's lines are the live lines of the marketplace, its
    commission Fnac's, its acceptance sent."""
    from decimal import Decimal

    order = binding.sale_order_id
    lines = {
        line.mp_line_external_id: (line.product_id.default_code, line.product_uom_qty)
        for line in order.order_line
        if line.mp_line_external_id
    }
    assert lines == live_lines(record), (binding.external_id, lines, record)
    if record["commission"] not in (None, ""):
        commission = Decimal(str(order.mp_commission_amount))
        assert round(commission - Decimal(record["commission"]), 2) == 0, (
            binding.external_id,
            order.mp_commission_amount,
            record["commission"],
        )
    assert binding.accept_state == "accepted", (
        binding.external_id,
        binding.accept_state,
    )


def assert_end_state(env, backend_id, truth):
    return import_end_state(
        env,
        backend_id,
        truth,
        total_of=lambda binding, record: record["total"],
        check_order=check_order,
    )


def jobs_done(env, backend_id, method):
    return env["queue.job"].search_count(
        [
            ("mp_backend_id", "=", backend_id),
            ("method_name", "=", method),
            ("state", "=", "done"),
        ]
    )


def assert_accepted_on_fnac(odoo_env, emulator, backend_id, shop, truth):
    """Every valid order accepted on the emulator, once, the others as they
    were; the acceptances sent in calls of at most 25 orders, as few as the
    import allows: returns (calls, processing jobs).

    A call takes every acceptance waiting, 25 at most; one of fewer than 25
    leaves none waiting, so each further one follows a processing job that
    queued acceptances since: beyond the calls the limit allows, at most
    one call per processing job."""
    shop_id = SHOPS[shop][0]
    for order_id, record in truth.items():
        state = emulator.order_record(shop_id, order_id)["state"]
        if record["kind"] == "valid":
            assert state in ACCEPTED_STATES, (order_id, state)
        else:
            assert state == record["state"], (order_id, record["kind"], state)
    # the calls the emulator applied (not those refused whole)
    calls = [
        call
        for call in emulator.update_calls(shop_id)
        if call["status"] in ("OK", "WARNING")
    ]
    assert {a for call in calls for a in call["actions"]} == {"accept_order"}
    sizes = [len(call["orders"]) for call in calls]
    assert sizes and max(sizes) <= BATCH, sizes
    sent = [order_id for call in calls for order_id in call["orders"]]
    assert len(sent) == len(set(sent)), "an order was accepted twice"
    valid = {k for k, record in truth.items() if record["kind"] == "valid"}
    assert set(sent) == valid
    with odoo_env() as env:
        processing = jobs_done(env, backend_id, "_job_process")
    assert len(calls) <= math.ceil(len(valid) / BATCH) + processing, sizes
    return len(calls), processing


def test_fnac_import_once_even_with_two_runs_at_once(odoo_env, odoo_server, fnac):
    emulator = fnac[0]
    truth, backend_id = new_account(odoo_env, fnac, "fnac")
    valid, elapsed, before = import_twice_at_once(
        odoo_env, backend_id, lambda env: assert_end_state(env, backend_id, truth)
    )
    print(
        f"\nFnac Darty: {N_ORDERS} orders ({valid} valid), two runs at once: "
        f"{elapsed:.1f} s"
    )
    calls, processing = assert_accepted_on_fnac(
        odoo_env, emulator, backend_id, "fnac", truth
    )
    print(
        f"Fnac Darty: {valid} acceptances in {calls} orders_update calls "
        f"({processing} processing jobs)"
    )
    # the acceptances sent meanwhile changed the orders on the marketplace:
    # the next import takes those updates, and creates nothing
    sale_orders = {k: v[1] for k, v in before.items()}
    import_and_wait(odoo_env, backend_id)
    with odoo_env() as env:
        assert_end_state(env, backend_id, truth)
        after = snapshot(env, backend_id)
    assert {k: v[1] for k, v in after.items()} == sale_orders
    # once more, twice at the same time: nothing changes at all, nothing is
    # sent again
    sent = len(emulator.update_calls(SHOPS["fnac"][0]))
    import_and_wait(odoo_env, backend_id, runs=2)
    with odoo_env() as env:
        assert snapshot(env, backend_id) == after
        assert_end_state(env, backend_id, truth)
    assert len(emulator.update_calls(SHOPS["fnac"][0])) == sent
    assert not odoo_server.errors()


class TokenExpiry(threading.Thread):
    """Expires every token of the emulator once when the first acceptance
    call arrives: the workers then meet Fnac's root error documents in the
    middle of the run."""

    def __init__(self, emulator):
        super().__init__(daemon=True)
        self.emulator = emulator
        self.stop = threading.Event()
        self.expired = False

    def run(self):
        while not self.stop.wait(0.1):
            if self.emulator.stats.calls("orders_update"):
                self.emulator.expire_tokens()
                self.expired = True
                return


def test_fnac_same_end_state_with_errors_and_server_errors(odoo_env, odoo_server, fnac):
    emulator = fnac[0]
    truth, backend_id = new_account(odoo_env, fnac, "darty")
    # the account holds a token, which the emulator then forgets
    with odoo_env() as env:
        env["mp.backend"].browse(backend_id)._get_client().test_connection()
    emulator.expire_tokens()
    emulator.stats.reset()
    expiry = TokenExpiry(emulator)
    # the faults' draws come from their own seeded RNG, started again here:
    # the 2nd call of the run is a 429, the 10th a 5xx, more follow
    emulator.faults.reset()
    emulator.set_faults({"rate_429": 0.2, "rate_5xx": 0.1, "retry_after": 1})
    try:
        with odoo_env() as env:
            env["mp.backend"].browse(backend_id)._schedule_import_orders()
        expiry.start()
        counts = wait_for_jobs(odoo_env, backend_id)
    finally:
        expiry.stop.set()
        emulator.set_faults({"rate_429": 0, "rate_5xx": 0})
    assert not counts.get("failed"), counts
    with odoo_env() as env:
        assert_end_state(env, backend_id, truth)
        retries = env["mp.sync.event"].search(
            [("backend_id", "=", backend_id), ("event_type", "=", "retry")]
        )
        messages = " ".join(retries.mapped("message"))
        assert "429" in messages, messages[:2000]
        assert "HTTP 5" in messages, messages[:2000]
    assert_accepted_on_fnac(odoo_env, emulator, backend_id, "darty", truth)
    stats = emulator.get_stats()
    assert sum(op["429"] for op in stats.values()) > 0, stats
    assert sum(op["5xx"] for op in stats.values()) > 0, stats
    assert expiry.expired
    # a token at the start (the stored one was expired), one after the
    # expiry in the middle of the run: renewed, never given up on
    assert stats["auth"]["calls"] >= 2, stats["auth"]
    assert not odoo_server.errors()
