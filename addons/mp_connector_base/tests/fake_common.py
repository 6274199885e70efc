"""Fixtures of the fake connector's tests: an account of the test-only type
``fake`` over an in-memory ``FakeMarket`` (see ``fake_connector``), with its
own products, taxes, pricelist, warehouse and carrier."""

from datetime import timedelta

from odoo import Command, fields
from odoo.tests import TransactionCase, tagged

from .common import JobRunnerMixin, OfferJobsMixin, RawOrdersMixin
from .fake_connector import (
    FAKE_TYPE,
    MARKETS,
    STATES,
    FakeMarket,
    inbox,
    plug_fake_connector,
    price_board,
)

# the products the fake marketplace sells: SKU -> (EAN, price, VAT rate)
PRODUCTS = {
    "FK-RED": ("3760000000017", "12.00", 20),
    "FK-BLUE": ("3760000000024", "8.50", 20),
    "FK-BOOK": ("9780000000002", "15.00", 5.5),
}
STOCK = 20  # units of each product in the warehouse
IMPORTED_STATES = ("WAITING_ACCEPTANCE", "TO_SHIP", "PARTIALLY_SHIPPED")


# post-install, as Odoo's business tests: in a one-pass install with
# --test-enable, at-install tests would run before the chart of accounts
@tagged("post_install", "-at_install")
class FakeConnectorCase(
    JobRunnerMixin, OfferJobsMixin, RawOrdersMixin, TransactionCase
):
    """A test class driving the base through the fake connector.

    ``self.backend`` is an account of type ``fake``; ``self.market`` its
    marketplace, empty at the start of each test.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        plug_fake_connector(cls)
        cls._setup_fake_catalog()
        cls.backend = cls.create_fake_backend("Fake test")

    @classmethod
    def _setup_fake_catalog(cls):
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        company = cls.env.company
        if company.currency_id != cls.eur:
            # demo companies work in USD: the fake market's euro at par, so
            # that prices are the products' own whatever the company
            cls.env["res.currency.rate"].create(
                {
                    "currency_id": cls.eur.id,
                    "company_id": company.id,
                    "name": "2000-01-01",
                    "rate": 1.0,
                }
            )
            cls.env["res.currency.rate"].search(
                [
                    ("currency_id", "=", cls.eur.id),
                    ("company_id", "in", [company.id, False]),
                    ("name", ">", "2000-01-01"),
                ]
            ).unlink()
        cls.pricelist = cls.env["product.pricelist"].create(
            {"name": "Fake market EUR", "currency_id": cls.eur.id}
        )
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        france = cls.env.ref("base.fr")
        cls.vat = {rate: cls.sale_vat(rate, france) for rate in (20, 5.5)}
        cls.products = cls.env["product.product"].create(
            [
                {
                    "name": f"Fake {sku}",
                    "default_code": sku,
                    "barcode": ean,
                    "list_price": float(price),
                    "type": "consu",
                    "is_storable": True,
                    "taxes_id": [Command.set(cls.vat[rate].ids)],
                }
                for sku, (ean, price, rate) in PRODUCTS.items()
            ]
        )
        for product in cls.products:
            cls.env["stock.quant"]._update_available_quantity(
                product, cls.warehouse.lot_stock_id, STOCK
            )
        cls.product = {p.default_code: p for p in cls.products}
        cls.shipping_product = cls.env["product.product"].create(
            {
                "name": "Fake shipping",
                "type": "service",
                "taxes_id": [Command.set(cls.vat[20].ids)],
            }
        )
        cls.carrier = cls.env["delivery.carrier"].create(
            {"name": "Fake Post", "product_id": cls.shipping_product.id}
        )
        states = cls.env["mp.marketplace.state"].create(
            [
                {
                    "backend_type": FAKE_TYPE,
                    "code": code,
                    "name": code.replace("_", " ").capitalize(),
                    "status": status,
                }
                for code, status in STATES.items()
            ]
        )
        cls.imported_states = states.filtered(lambda s: s.code in IMPORTED_STATES)

    @classmethod
    def create_fake_backend(cls, name, **values):
        slug = name.lower().replace(" ", "-")
        return cls.env["mp.backend"].create(
            {
                "name": name,
                "backend_type": FAKE_TYPE,
                "endpoint_url": f"https://{slug}.fake.invalid",
                "api_key": "fake-key",
                "warehouse_id": cls.warehouse.id,
                "pricelist_id": cls.pricelist.id,
                "shipping_product_id": cls.shipping_product.id,
                "import_from": fields.Datetime.now() - timedelta(hours=1),
                "import_state_ids": [Command.set(cls.imported_states.ids)],
                "carrier_mapping_ids": [
                    Command.create(
                        {"carrier_id": cls.carrier.id, "marketplace_code": "FAKEPOST"}
                    )
                ],
                "retry_base_delay": 1,
                "export_delay": 0,
                "push_poll_delay": 0,
                **values,
            }
        )

    def setUp(self):
        super().setUp()
        self.market = self.open_market(self.backend)

    def open_market(self, backend):
        """A new, empty marketplace behind ``backend``, selling the
        fixtures' products."""
        market = FakeMarket(backend.endpoint_url, name=f"{backend.name} shop")
        self.addCleanup(MARKETS.pop, backend.endpoint_url, None)
        for sku, (ean, price, rate) in PRODUCTS.items():
            market.prices[sku] = price
            market.vat_rates[sku] = rate
            market.eans[sku] = ean
        return market

    # -- helpers ------------------------------------------------------------
    def import_order(self, *lines, **values):
        """Put an order on the marketplace (see ``FakeMarket.add_order``),
        run an import; return its binding."""
        order_id = self.market.add_order(*lines, **values)
        self.import_orders()
        return self.binding(order_id)

    def binding(self, order_id, backend=None):
        return self.env["mp.order.binding"].search(
            [
                ("backend_id", "=", (backend or self.backend).id),
                ("external_id", "=", order_id),
            ]
        )

    def events(self, event_type=None):
        domain = [("backend_id", "=", self.backend.id)]
        if event_type:
            domain.append(("event_type", "=", event_type))
        return self.env["mp.sync.event"].search(domain)

    def deliver(self, picking, quantities=None, tracking="FK123"):
        """Validate ``picking`` with ``quantities`` (product -> quantity,
        all of it by default), leaving a backorder for the rest; run the
        jobs it queues."""
        picking.carrier_id = self.carrier
        picking.carrier_tracking_ref = tracking
        for move in picking.move_ids:
            move.quantity = (
                move.product_uom_qty
                if quantities is None
                else quantities.get(move.product_id, 0)
            )
            move.picked = True
        with self.trap_jobs() as trap:
            picking.with_context(skip_backorder=True)._action_done()
            self.job_stats = self.run_jobs(trap)
        return picking

    def click(self, method, *args):
        """Call ``method`` (a button), then run the jobs it queues."""
        with self.trap_jobs() as trap:
            result = method(*args)
            self.job_stats = self.run_jobs(trap)
        return result


# ----------------------------------------------------------------------
# buyers' messages
# ----------------------------------------------------------------------
class FakeMessagesCase(FakeConnectorCase):
    """The fake connector with buyers' messages: ``self.inbox`` is the
    market's inbox (``fake_connector.FakeInbox``)."""

    def setUp(self):
        super().setUp()
        self.market.capabilities = self.market.capabilities | {"messages"}
        self.inbox = inbox(self.market)

    def fetch_messages(self, backend=None):
        """Run a fetch of the buyers' messages and every job it leads to."""
        with self.trap_jobs() as trap:
            (backend or self.backend)._schedule_fetch_messages()
            self.job_stats = self.run_jobs(trap)

    def messages(self, backend=None):
        return self.env["mp.customer.message"].search(
            [("backend_id", "=", (backend or self.backend).id)]
        )

    def message(self, external_id):
        return self.messages().filtered(lambda m: m.external_id == external_id)


# ----------------------------------------------------------------------
# competitors' offers and fee estimates
# ----------------------------------------------------------------------
class FakeCompetitorsCase(FakeConnectorCase):
    """The fake connector showing competitors' offers and fee estimates:
    ``self.board`` is the market's price board
    (``fake_connector.FakePriceBoard``), ``self.offer_of`` the account's
    offer of each fixture SKU."""

    def setUp(self):
        super().setUp()
        self.market.capabilities = self.market.capabilities | {"competitors", "fees"}
        self.board = price_board(self.market)
        self.offer_of = self.create_offers(self.backend)

    def create_offers(self, backend, skus=None):
        """An offer of ``backend`` per fixture SKU (the product's EAN):
        SKU -> offer."""
        skus = skus or list(PRODUCTS)
        offers = self.env["mp.offer.binding"].create(
            [
                {
                    "backend_id": backend.id,
                    "product_id": self.product[sku].id,
                    "seller_sku": sku,
                    "ean": PRODUCTS[sku][0],
                }
                for sku in skus
            ]
        )
        return {offer.seller_sku: offer for offer in offers}
