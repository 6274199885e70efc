from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from odoo.addons.mp_connector_base.tests.common import JobRunnerMixin, SandboxMixin

from .common import CARREFOUR_KEY, CARREFOUR_SHOP


@tagged("post_install", "-at_install")
class TestMarketplaceUi(SandboxMixin, JobRunnerMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.start_sandbox()
        cls.env["mp.demo"]._load_sandbox_catalog(size=60, quantity=50)
        cls.backend = cls.env["mp.backend"].create(
            {
                "name": "Tour account",
                "backend_type": "mirakl",
                "mirakl_operator": "carrefour",
                "endpoint_url": cls.sandbox.urls["mirakl"],
                "api_key": CARREFOUR_KEY,
                "pricelist_id": cls.env["mp.demo"]._sandbox_pricelist().id,
                "import_from": fields.Datetime.now() - timedelta(hours=1),
                "sequence": 0,
            }
        )
        cls.backend.action_mirakl_apply_profile()

    def test_dashboard_to_order_in_error(self):
        mirakl = self.sandbox.emulators["mirakl"]
        mirakl.reset()
        mirakl.create_orders(CARREFOUR_SHOP, 2, unknown_sku_share=0.5)
        with self.trap_jobs() as trap:
            self.backend._schedule_import_orders()
            self.run_jobs(trap)
        bindings = self.env["mp.order.binding"].search(
            [("backend_id", "=", self.backend.id)]
        )
        self.assertEqual(sorted(bindings.mapped("state")), ["done", "error"])
        self.start_tour("/odoo", "mp_marketplace_dashboard_tour", login="admin")

    def test_offers_of_a_product(self):
        mirakl = self.sandbox.emulators["mirakl"]
        mirakl.reset()
        mirakl.create_offers(CARREFOUR_SHOP, 5)
        with self.trap_jobs() as trap:
            self.backend._schedule_listing_sync("import")
            self.env["mp.offer.dirty"]._flush_marks()
            self.run_jobs(trap)
        offer = self.env["mp.offer.binding"].search(
            [("backend_id", "=", self.backend.id), ("seller_sku", "=", "MPH-0001")]
        )
        self.assertEqual(len(offer), 1)
        template = offer.product_id.product_tmpl_id
        self.start_tour(
            f"/odoo/action-product.product_template_action/{template.id}",
            "mp_product_offers_tour",
            login="admin",
        )
