from datetime import timedelta

from odoo import Command
from odoo.exceptions import UserError

from . import test_shipment
from .common import SELLER2, AmazonCommon
from .test_order_import import assert_imported

# the variety of the emulator's v2026-01-01 orders Odoo's books can take
# (no zero-VAT lines: the sandbox catalogue has no such tax)
VARIETY = {
    "business_share": 0.2,
    "promotion_share": 0.3,
    "gift_share": 0.2,
    "net_share": 0.5,
    "quantity_price_share": 0.3,
    "prime_share": 0.3,
    "seller_order_id_share": 0.3,
    "cancel_request_share": 0.1,
    "sparse_address_share": 0.2,
}


class TestAmazonOrders2026(AmazonCommon):
    """Orders API v2026-01-01 (the default of an account): import, replay,
    shipments, cancellations; and an account switched from v0."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the carrier test_shipment's deliver() puts on the pickings
        cls.colissimo = cls._create_carrier("DPD test")

    def calls(self, operation):
        return self.amazon.get_stats().get(operation, {}).get("calls", 0)

    def _age(self, order_id):
        """Date the last change before the two-minute window Amazon keeps."""
        with self.amazon.lock:
            self.amazon._find_order(order_id).updated -= timedelta(minutes=5)

    def _create_products(self, bindings):
        """The products the orders of ``bindings`` miss, created with the
        catalogue's VAT of their rate (their orders are replayed by the jobs
        this queues)."""
        taxes = self.products.taxes_id
        with self.trap_jobs() as trap:
            for binding in bindings:
                items = self.amazon.order_record(binding.external_id)["items"]
                for item in items:
                    if item["sku"] not in binding.missing_sku_ids.mapped("sku"):
                        continue
                    rate = float(item["tax_rate"])
                    tax = taxes.filtered(lambda t, rate=rate: t.amount == rate)[:1]
                    self.env["product.product"].create(
                        {
                            "name": f"Product {item['sku']}",
                            "default_code": item["sku"],
                            "is_storable": True,
                            "taxes_id": [Command.set(tax.ids)],
                        }
                    )
            self.run_jobs(trap)

    def test_import_and_replay_on_2026(self):
        self.assertEqual(self.backend.amazon_orders_api, "2026-01-01")
        ids = self.create_orders(
            30, unknown_sku_share=0.1, malformed_share=0.1, **VARIETY
        )
        run = self.import_orders()
        self.assertEqual(run.state, "done")
        bindings = self.bindings()
        self.assertEqual(sorted(bindings.mapped("external_id")), sorted(ids))
        self.assertTrue(all("orderId" in b._raw() for b in bindings))
        assert_imported(self, bindings)
        # everything came in the searches: no getOrder per order, no v0
        self.assertEqual(run.page_count, 1)
        self.assertTrue(self.calls("searchOrders"))
        self.assertEqual(self.calls("getOrder20260101"), 0)
        self.assertEqual(self.calls("getOrders") + self.calls("getOrderItems"), 0)
        # the missing products appear: their orders are replayed
        missing = bindings.filtered(lambda b: b.error_kind == "product")
        self._create_products(missing)
        self.assertEqual(set(missing.mapped("state")), {"done"})
        # importing again changes nothing
        before = {b.external_id: (b.sale_order_id.id, b.state) for b in bindings}
        self.import_orders()
        after = {b.external_id: (b.sale_order_id.id, b.state) for b in self.bindings()}
        self.assertEqual(before, after)

    # a delivery validated with its quantities and tracking number
    deliver = test_shipment.TestAmazonShipment.deliver

    def test_partial_shipment_then_the_rest_per_delivery(self):
        (order_id,) = self.create_orders(1, lines=(2, 2))
        self.import_orders()
        binding = self.bindings()
        order = binding.sale_order_id
        first, second = order.order_line.filtered(lambda line: line.mp_line_external_id)
        picking = order.picking_ids
        self.deliver(picking, {first.product_id: first.product_uom_qty}, "6A101")
        self.assertEqual(binding.ship_state, "partial")
        record = self.amazon.order_record(order_id)
        self.assertEqual(record["status"], "PartiallyShipped")
        package = record["shipments"][0]["packageDetail"]
        self.assertEqual(package["trackingNumber"], "6A101")
        self.assertEqual(
            package["orderItems"],
            [
                {
                    "orderItemId": first.mp_line_external_id,
                    "quantity": int(first.product_uom_qty),
                }
            ],
        )
        backorder = order.picking_ids - picking
        self.deliver(backorder, {second.product_id: second.product_uom_qty}, "6A102")
        self.assertEqual(binding.ship_state, "done")
        record = self.amazon.order_record(order_id)
        self.assertEqual(record["status"], "Shipped")
        self.assertEqual(len(record["shipments"]), 2)
        # what the shipments read first came from v2026-01-01's getOrder
        self.assertEqual(self.calls("getOrder20260101"), 2)
        self.assertEqual(self.calls("getOrder") + self.calls("getOrderItems"), 0)

    def test_cancellation_on_amazon_cancels_the_sale_order(self):
        (order_id,) = self.create_orders(1)
        self.import_orders()
        binding = self.bindings()
        self.assertEqual(binding.sale_order_id.state, "sale")
        self.amazon.set_order_status(order_id, "Canceled")
        self._age(order_id)
        self.import_orders()
        self.assertEqual(binding.sale_order_id.state, "cancel")
        self.assertEqual(
            binding._raw()["fulfillment"]["fulfillmentStatus"], "CANCELLED"
        )

    def test_an_account_switched_from_v0_replays_its_v0_payloads(self):
        backend = self._create_backend("Amazon v0", SELLER2, amazon_orders_api="v0")
        ids = self.amazon.create_orders(SELLER2, 6, unknown_sku_share=0.34)
        self.import_orders(backend)
        bindings = self.bindings(backend)
        self.assertEqual(sorted(bindings.mapped("external_id")), sorted(ids))
        self.assertTrue(all("AmazonOrderId" in b._raw() for b in bindings))
        self.assertEqual(self.calls("searchOrders"), 0)
        done = bindings.filtered(lambda b: b.state == "done")
        missing = bindings - done
        self.assertEqual(len(missing), 2)
        # switched: the client follows the setting
        backend.amazon_orders_api = "2026-01-01"
        self.assertEqual(backend._get_client().orders_version, "2026-01-01")
        # the stored v0 payloads of the orders in error are replayed
        self._create_products(missing)
        self.assertEqual(set(missing.mapped("state")), {"done"})
        self.assertTrue(all("AmazonOrderId" in b._raw() for b in missing))
        # read again through v2026-01-01: the same orders, nothing changes
        before = {b.external_id: (b.sale_order_id.id, b.state) for b in bindings}
        totals = {b.external_id: b.sale_order_id.amount_total for b in bindings}
        backend.action_reset_cursor()
        self.import_orders(backend)
        bindings = self.bindings(backend)
        self.assertTrue(all("orderId" in b._raw() for b in bindings))
        self.assertEqual(
            before, {b.external_id: (b.sale_order_id.id, b.state) for b in bindings}
        )
        self.assertEqual(
            totals, {b.external_id: b.sale_order_id.amount_total for b in bindings}
        )
        self.assertGreater(self.calls("searchOrders"), 0)

    def test_orders_v0_removed_asks_to_switch_the_account(self):
        backend = self._create_backend(
            "Amazon v0 gone", SELLER2, amazon_orders_api="v0"
        )
        self.amazon.create_orders(SELLER2, 2)
        self.amazon.set_orders_v0_removed(True)
        self.addCleanup(self.amazon.set_orders_v0_removed, False)
        with self.assertRaisesRegex(
            UserError, "Switch the account to Orders API 2026-01-01"
        ):
            self.import_orders(backend)
        # never "no orders": nothing stored, the cursor did not move
        self.assertFalse(self.bindings(backend))
        self.assertFalse(backend.import_cursor)
        backend.amazon_orders_api = "2026-01-01"
        self.assertEqual(self.import_orders(backend).state, "done")
        self.assertEqual(len(self.bindings(backend)), 2)
