from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase, tagged

from odoo.addons.mp_connector_base.tests.common import (
    JobRunnerMixin,
    MarketplaceFixturesMixin,
    OfferJobsMixin,
    SandboxMixin,
)

CARREFOUR_SHOP = 2001
CARREFOUR_KEY = "sandbox-carrefour-key"
BOULANGER_SHOP = 2002
BOULANGER_KEY = "sandbox-boulanger-key"


# post-install, as Odoo's business tests: in a one-pass install with
# --test-enable, at-install tests would run before the chart of accounts
@tagged("post_install", "-at_install")
class MiraklCommon(
    SandboxMixin,
    JobRunnerMixin,
    MarketplaceFixturesMixin,
    OfferJobsMixin,
    TransactionCase,
):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_marketplace_fixtures()
        cls.start_sandbox()
        cls.mirakl = cls.sandbox.emulators["mirakl"]
        cls.backend = cls._create_backend("Carrefour test", "carrefour", CARREFOUR_KEY)

    @classmethod
    def _create_backend(cls, name, operator, key, **values):
        backend = cls.env["mp.backend"].create(
            {
                "name": name,
                "backend_type": "mirakl",
                "mirakl_operator": operator,
                "endpoint_url": cls.sandbox.urls["mirakl"],
                "api_key": key,
                "warehouse_id": cls.warehouse.id,
                "pricelist_id": cls.pricelist.id,
                "import_from": fields.Datetime.now() - timedelta(hours=1),
                "retry_base_delay": 1,
                "request_timeout": 5,
                **values,
            }
        )
        backend.action_mirakl_apply_profile()
        return backend

    def setUp(self):
        super().setUp()
        # every test starts from the seeded sandbox: no order, no fault
        self.sandbox_admin("mirakl", "POST", "reset")

    def create_orders(self, count, shop=CARREFOUR_SHOP, **options):
        return self.mirakl.create_orders(shop, count, **options)

    def sandbox_order(self, order_id):
        return self.sandbox_admin("mirakl", "GET", f"orders/{order_id}")
