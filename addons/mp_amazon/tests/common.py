from datetime import timedelta

from odoo import Command, fields
from odoo.tests import TransactionCase, tagged

from odoo.addons.mp_connector_base.tests.common import (
    JobRunnerMixin,
    MarketplaceFixturesMixin,
    OfferJobsMixin,
    SandboxMixin,
)

SELLER = "A1SANDBOXSELLER1"
SELLER2 = "A2SANDBOXSELLER2"


# post-install, as Odoo's business tests: in a one-pass install with
# --test-enable, at-install tests would run before the chart of accounts
@tagged("post_install", "-at_install")
class AmazonCommon(
    SandboxMixin,
    JobRunnerMixin,
    MarketplaceFixturesMixin,
    OfferJobsMixin,
    TransactionCase,
):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_marketplace_fixtures("Amazon EUR")
        cls.start_sandbox()
        cls.amazon = cls.sandbox.emulators["amazon"]
        cls.backend = cls._create_backend("Amazon test", SELLER)

    @classmethod
    def _create_carrier(cls, name):
        """A shipping method of its own (a service product behind it)."""
        product = cls.env["product.product"].create({"name": name, "type": "service"})
        return cls.env["delivery.carrier"].create(
            {"name": name, "product_id": product.id}
        )

    @classmethod
    def _create_backend(cls, name, seller, **values):
        demo = cls.env["mp.demo"]
        return cls.env["mp.backend"].create(
            {
                **demo._amazon_sandbox_values(cls.sandbox.urls["amazon"], seller),
                "name": name,
                "amazon_marketplace_ids": [
                    Command.set(cls.env.ref("mp_amazon.marketplace_fr").ids)
                ],
                "warehouse_id": cls.warehouse.id,
                "pricelist_id": cls.pricelist.id,
                "import_from": fields.Datetime.now() - timedelta(hours=2),
                "retry_base_delay": 1,
                "request_timeout": 5,
                **values,
            }
        )

    def setUp(self):
        super().setUp()
        # every test starts from the seeded sandbox, on a fast usage plan
        self.sandbox_admin("amazon", "POST", "reset")
        self.amazon.set_rate_scale(1000)
        self.amazon.feed_processing_seconds = 0

    def create_orders(self, count, seller=SELLER, **options):
        return self.amazon.create_orders(seller, count, **options)
