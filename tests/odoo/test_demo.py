"""The demo accounts, as docker-compose starts them, import from the sandbox."""

from datetime import timedelta

from mphub.sandbox import Sandbox

from .test_order_import_acceptance import wait_for_jobs

DEMO_ACCOUNTS = (
    "mp_mirakl.mp_backend_carrefour_demo",
    "mp_mirakl.mp_backend_boulanger_demo",
)


def test_demo_accounts_import_orders(odoo_env, odoo_server):
    from odoo import fields

    with Sandbox(seed=3) as box:
        mirakl = box.emulators["mirakl"]
        carrefour = mirakl.create_orders(2001, 10, unknown_sku_share=0.1)
        boulanger = mirakl.create_orders(2002, 5)
        with odoo_env() as env:
            backends = env["mp.backend"]
            for xmlid in DEMO_ACCOUNTS:
                backends |= env.ref(xmlid)
            assert set(backends.mapped("backend_type")) == {"mirakl"}
            # docker-compose gives the sandbox's address in the environment;
            # here the test's sandbox takes its place
            backends.write(
                {
                    "endpoint_url": box.urls["mirakl"],
                    "import_from": fields.Datetime.now() - timedelta(hours=1),
                    "import_cursor": False,
                }
            )
            for backend in backends:
                backend._schedule_import_orders()
            ids = backends.ids
        for backend_id in ids:
            counts = wait_for_jobs(odoo_env, backend_id)
            assert not counts.get("failed"), counts
        with odoo_env() as env:
            first, second = env["mp.backend"].browse(ids)
            done = first.env["mp.order.binding"].search(
                [("backend_id", "=", first.id), ("state", "=", "done")]
            )
            assert sorted(done.mapped("external_id")) == sorted(
                i for i in carrefour if mirakl.order_record(i)["kind"] == "valid"
            )
            assert len(done) == 9
            assert set(done.sale_order_id.mapped("state")) == {"sale"}
            generic = env.ref("mp_connector_base.partner_marketplace_customer_demo")
            orders = env["sale.order"].search([("mp_backend_id", "=", second.id)])
            assert sorted(orders.mapped("mp_external_id")) == sorted(boulanger)
            assert orders.partner_id == generic
            # Boulanger's demo account accepts every order
            accepted = env["mp.order.binding"].search(
                [("backend_id", "=", second.id), ("accept_state", "=", "accepted")]
            )
            assert len(accepted) == 5
            assert {mirakl.order_record(i)["state"] for i in boulanger} == {"SHIPPING"}
    assert not odoo_server.errors()


def test_demo_amazon_account_imports_orders(odoo_env, odoo_server):
    from odoo import fields

    with Sandbox(seed=5, options={"amazon": {"rate_scale": 100}}) as box:
        amazon = box.emulators["amazon"]
        ids = amazon.create_orders("A1SANDBOXSELLER1", 8, unknown_sku_share=0.125)
        with odoo_env() as env:
            backend = env.ref("mp_amazon.mp_backend_amazon_demo")
            assert backend.backend_type == "amazon"
            url = box.urls["amazon"]
            # the sandbox's address, as docker-compose gives it
            backend.write(
                {
                    **env["mp.demo"]._amazon_sandbox_values(url),
                    "import_from": fields.Datetime.now() - timedelta(hours=1),
                    "import_cursor": False,
                }
            )
            backend._schedule_import_orders()
            backend_id = backend.id
        counts = wait_for_jobs(odoo_env, backend_id)
        assert not counts.get("failed"), counts
        with odoo_env() as env:
            done = env["mp.order.binding"].search(
                [("backend_id", "=", backend_id), ("state", "=", "done")]
            )
            valid = [i for i in ids if amazon.order_record(i)["kind"] == "valid"]
            assert sorted(done.mapped("external_id")) == sorted(valid)
            assert len(valid) == 7
            assert set(done.sale_order_id.mapped("state")) == {"sale"}
    assert not odoo_server.errors()
