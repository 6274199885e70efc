import os
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from unittest.mock import patch

import mphub

from odoo import fields
from odoo.tests import TransactionCase, tagged

from odoo.addons.mp_connector_base.tests.common import (
    JobRunnerMixin,
    MarketplaceFixturesMixin,
    OfferJobsMixin,
    SandboxMixin,
)

from ..models.mp_demo import sandbox_shop

# the official XSDs, next to the repository: when present, the emulator
# validates every request the client sends against its service's schema
XSD_DIR = os.path.normpath(
    os.path.join(
        os.path.dirname(mphub.__file__), "..", "..", "shared", "contracts", "fnac"
    )
)
CENT = Decimal("0.01")
# every state of state.xsd's order states and what it means for the seller
STATES = {
    "Created": "waiting_acceptance",
    "Accepted": "accepted",
    "ToShip": "to_ship",
    "Shipped": "shipped",
    "NotReceived": "shipped",
    "Received": "delivered",
    "Refused": "refused",
    "Cancelled": "cancelled",
    "Refunded": "cancelled",
    "Error": "pending",
}


class FnacSetup(SandboxMixin, MarketplaceFixturesMixin):
    """The sandbox, its catalogue and an account on its Fnac shop."""

    @classmethod
    def start_sandbox(cls, seed=42):
        environ = {"MPHUB_FNAC_XSD_DIR": XSD_DIR} if os.path.isdir(XSD_DIR) else {}
        with patch.dict(os.environ, environ):
            return super().start_sandbox(seed)

    @classmethod
    def setup_fnac(cls):
        cls.setup_marketplace_fixtures("Fnac EUR")
        cls.start_sandbox()
        cls.fnac = cls.sandbox.emulators["fnac"]
        cls.shop = sandbox_shop("fnac")["shop_id"]
        # the demo accounts hold the sandbox's shops (one account per shop)
        cls.env["mp.backend"].search([("backend_type", "=", "fnac")]).active = False
        cls.backend = cls._create_backend("Fnac")

    @classmethod
    def _create_backend(cls, name, kind="fnac", **values):
        return cls.env["mp.backend"].create(
            {
                **cls.env["mp.demo"]._fnac_sandbox_values(
                    cls.sandbox.urls["fnac"], kind
                ),
                "name": name,
                "warehouse_id": cls.warehouse.id,
                "pricelist_id": cls.pricelist.id,
                "import_from": fields.Datetime.now() - timedelta(hours=2),
                "retry_base_delay": 1,
                "request_timeout": 5,
                **values,
            }
        )

    @classmethod
    def share_test_cursor(cls):
        """New cursors (the token store's) work inside the test's
        transaction, as Odoo's HTTP tests do."""
        cls.registry.enter_test_mode(cls.cr)
        cls.addClassCleanup(cls.registry.leave_test_mode)

    def reset_sandbox(self):
        self.sandbox_admin("fnac", "POST", "reset")

    def create_orders(self, count, shop=None, **options):
        order_ids = self.fnac.create_orders(shop or self.shop, count, **options)
        self.catch_up_with_the_emulators_clock()
        return order_ids

    def catch_up_with_the_emulators_clock(self):
        """The emulator's clock gives each event its own millisecond: after
        a burst of orders it runs ahead of real time, and an import whose
        window ends now would leave the newest for its next run. Wait (a
        millisecond per order at most) until real time has caught up."""
        last = self.fnac.clock.now()
        while datetime.now(UTC) <= last:
            time.sleep(0.002)

    def record(self, order_id, shop=None):
        return self.fnac.order_record(shop or self.shop, order_id)

    def calls(self, operation):
        return self.fnac.stats.calls(operation)


# post-install, as Odoo's business tests: in a one-pass install with
# --test-enable, at-install tests would run before the chart of accounts
@tagged("post_install", "-at_install")
class FnacCommon(FnacSetup, JobRunnerMixin, OfferJobsMixin, TransactionCase):
    """A Fnac account on the sandbox, its jobs run in the test."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.share_test_cursor()
        cls.setup_fnac()

    def setUp(self):
        super().setUp()
        # every test starts from the seeded sandbox: no order, no fault
        self.reset_sandbox()

    def binding(self, order_id, backend=None):
        return self.bindings(backend).filtered(lambda b: b.external_id == order_id)

    def assert_sale_order_as_fnac(self, binding, shop=None):
        """A valid order imported: confirmed, its total Fnac's lines and
        shipping to the cent, each product line with its product's VAT
        (through the order's fiscal position)."""
        record = self.record(binding.external_id, shop)
        self.assertEqual(binding.state, "done", binding.error_message)
        order = binding.sale_order_id
        self.assertEqual(order.state, "sale")
        self.assertEqual(
            Decimal(str(order.amount_total)).quantize(CENT),
            Decimal(record["total"]),
            binding.external_id,
        )
        for line in order.order_line.filtered(lambda x: not x.display_type):
            product = line.product_id
            if product in self.products:
                self.assertEqual(
                    line.tax_id,
                    order.fiscal_position_id.map_tax(product.taxes_id),
                    product.default_code,
                )
                self.assertTrue(line.tax_id)
        return order
