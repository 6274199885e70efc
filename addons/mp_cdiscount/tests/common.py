from datetime import timedelta
from decimal import Decimal

from odoo import fields
from odoo.tests import TransactionCase, tagged

from odoo.addons.mp_connector_base.tests.common import (
    JobRunnerMixin,
    MarketplaceFixturesMixin,
    OfferJobsMixin,
    SandboxMixin,
)

# the sandbox's sellers: the REST accounts of the tests on the first, the
# SOAP ones on the second, so that each generation reads its own orders
REST_SELLER = "98979"
SOAP_SELLER = "98980"
SELLERS = {"rest": REST_SELLER, "soap": SOAP_SELLER}
REST_SECRET = "sandbox-cdiscount-secret"
SOAP_PASSWORD = "sandbox-cdiscount2-password"


class CdiscountSetup(SandboxMixin, MarketplaceFixturesMixin):
    """The sandbox, its catalogue and an account of the class's
    ``generation`` ("rest" or "soap") on its seller."""

    generation = "rest"

    @classmethod
    def setup_cdiscount(cls):
        cls.setup_marketplace_fixtures("Cdiscount EUR")
        cls.start_sandbox()
        cls.cdiscount = cls.sandbox.emulators["cdiscount"]
        cls.seller = SELLERS[cls.generation]
        cls.backend = cls._create_backend(f"Cdiscount {cls.generation}")

    @classmethod
    def _create_backend(cls, name, generation=None, seller=None, **values):
        generation = generation or cls.generation
        demo = cls.env["mp.demo"]
        return cls.env["mp.backend"].create(
            {
                **demo._cdiscount_sandbox_values(
                    cls.sandbox.urls["cdiscount"],
                    seller or SELLERS[generation],
                    generation,
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
        """New cursors (the token store's, the package host's) work inside
        the test's transaction, as Odoo's HTTP tests do."""
        cls.registry.enter_test_mode(cls.cr)
        cls.addClassCleanup(cls.registry.leave_test_mode)

    def reset_sandbox(self):
        self.sandbox_admin("cdiscount", "POST", "reset")

    def create_orders(self, count, **options):
        return self.cdiscount.create_orders(self.seller, count, **options)

    def record(self, number):
        return self.cdiscount.order_record(number)


# post-install, as Odoo's business tests: in a one-pass install with
# --test-enable, at-install tests would run before the chart of accounts
@tagged("post_install", "-at_install")
class CdiscountCommon(
    CdiscountSetup,
    JobRunnerMixin,
    OfferJobsMixin,
    TransactionCase,
):
    """A Cdiscount account on the sandbox, its jobs run in the test."""

    # the test classes of each API take their tests from a mixin of cases
    allow_inherited_tests_method = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.share_test_cursor()
        cls.setup_cdiscount()

    def setUp(self):
        super().setUp()
        # every test starts from the seeded sandbox: no order, no fault
        self.reset_sandbox()

    def assert_sale_order_as_cdiscount(self, binding):
        """A valid order imported: confirmed, its total Cdiscount's to the
        cent, each product line with its product's VAT (included)."""
        record = self.record(binding.external_id)
        self.assertEqual(binding.state, "done", binding.error_message)
        order = binding.sale_order_id
        self.assertEqual(order.state, "sale")
        self.assertEqual(
            Decimal(str(order.amount_total)).quantize(Decimal("0.01")),
            Decimal(record["total"]),
            binding.external_id,
        )
        for line in order.order_line.filtered(lambda x: not x.display_type):
            product = line.product_id
            if product in self.products:
                self.assertEqual(line.tax_id, product.taxes_id, product.default_code)
                self.assertTrue(line.tax_id)
        return order
