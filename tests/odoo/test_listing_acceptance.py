"""Acceptance of the listing import and of the drift check, with real
workers, commits and HTTP.

N listings (``MPH_ACCEPTANCE_LISTINGS``, default 2,000; 20,000 for the full
acceptance run) in the Leroy Merlin shop of the sandbox, 5 % with an unknown
SKU and EAN, 1 % carrying the EANs of two products: after the import, exactly
the others are bound to their product, exactly those wait in review. Then 100
quantities changed in the emulator are flagged as drift, and only those.
"""

import os
import time

import pytest
from mphub.sandbox import Sandbox

from .test_offer_sync import make_account
from .test_order_import_acceptance import wait_for_jobs

N_LISTINGS = int(os.environ.get("MPHUB_ACCEPTANCE_LISTINGS") or 2000)
SHOP, KEY = 2003, "sandbox-leroymerlin-key"


@pytest.fixture
def sandbox42():
    """A sandbox of the catalogue seed Odoo's sandbox products use, so that
    EANs agree too (not only SKUs)."""
    with Sandbox(seed=42) as box:
        yield box


def test_listing_import_is_exact_and_drift_is_found(odoo_env, odoo_server, sandbox42):
    sandbox = sandbox42
    mirakl = sandbox.emulators["mirakl"]
    summary = mirakl.create_offers(
        SHOP, N_LISTINGS, unknown_sku_share=0.05, ambiguous_share=0.01, quantity=5
    )
    defects = set(summary["unknown"]) | set(summary["ambiguous"])
    with odoo_env() as env:
        env["mp.demo"]._load_sandbox_catalog(size=N_LISTINGS, quantity=0)
        backend_id = make_account(env, sandbox, "Listings", "leroymerlin", KEY)
    started = time.monotonic()
    with odoo_env() as env:
        env["mp.backend"].browse(backend_id)._schedule_listing_sync("import")
    counts = wait_for_jobs(odoo_env, backend_id, timeout=1800)
    elapsed = time.monotonic() - started
    assert not counts.get("failed"), counts
    print(
        f"\nlisting import of {N_LISTINGS} listings, then the export: {elapsed:.0f} s"
    )
    with odoo_env() as env:
        offers = env["mp.offer.binding"].search([("backend_id", "=", backend_id)])
        bound = {offer.seller_sku: offer.product_id.default_code for offer in offers}
        reviews = env["mp.listing.review"].search([("backend_id", "=", backend_id)])
        by_reason = {
            reason: {r.seller_sku for r in reviews if r.reason == reason}
            for reason in ("unknown", "ambiguous")
        }
        run = env["mp.sync.run"].search(
            [("backend_id", "=", backend_id), ("operation", "=", "import_listings")]
        )
        assert run.state == "done"
        assert run.count_fetched == N_LISTINGS
    assert len(bound) == N_LISTINGS - len(defects)
    assert all(sku == code for sku, code in bound.items()), "bound to its product"
    assert by_reason["unknown"] == set(summary["unknown"])
    assert by_reason["ambiguous"] == set(summary["ambiguous"])
    assert len(reviews) == len(defects)
    # the export set every offer to Odoo's quantity, and the marketplace
    # confirmed it
    with odoo_env() as env:
        offers = env["mp.offer.binding"].search([("backend_id", "=", backend_id)])
        assert set(offers.mapped("stock_state")) == {"confirmed"}
        shown = {o.seller_sku: o.confirmed_quantity for o in offers}
    assert all(mirakl.offer(SHOP, sku)["quantity"] == qty for sku, qty in shown.items())

    changed = sorted(bound)[:: max(1, len(bound) // 100)][:100]
    for sku in changed:
        mirakl.set_offer(SHOP, sku, quantity=777)
    with odoo_env() as env:
        env["mp.backend"].browse(backend_id)._schedule_listing_sync("drift")
    counts = wait_for_jobs(odoo_env, backend_id, timeout=900)
    assert not counts.get("failed"), counts
    with odoo_env() as env:
        drifted = env["mp.offer.binding"].search(
            [("backend_id", "=", backend_id), ("drift", "=", True)]
        )
        assert sorted(drifted.mapped("seller_sku")) == changed
        # this sandbox stops with the test: the account must not call it later
        env["mp.backend"].browse(backend_id).active = False
    assert not odoo_server.errors()
