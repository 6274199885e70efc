from datetime import timedelta
from decimal import Decimal

from .common import AmazonCommon


def assert_imported(case, bindings):
    """Each order of ``bindings`` as the emulator has it: a valid one is a
    confirmed sale order with Amazon's total to the cent (its reference the
    seller's order id, else Amazon's), a business one has the buyer's VAT
    number; the others are in error, for their product or their data."""
    for binding in bindings:
        record = case.amazon.order_record(binding.external_id)
        case.assertTrue(binding.raw_payload)
        if record["kind"] == "valid":
            case.assertEqual(binding.state, "done", binding.error_message)
            order = binding.sale_order_id
            case.assertEqual(order.state, "sale")
            case.assertAlmostEqual(
                order.amount_total, float(Decimal(record["order_total"])), 2
            )
            case.assertFalse(binding.amount_mismatch)
            case.assertEqual(
                order.client_order_ref,
                record["seller_order_id"] or binding.external_id,
            )
            if record["is_business"]:
                case.assertTrue(order.partner_id.commercial_partner_id.vat)
        else:
            case.assertEqual(binding.state, "error")
            case.assertEqual(
                binding.error_kind,
                "product" if record["kind"] == "unknown_sku" else "data",
            )


class TestAmazonOrderImport(AmazonCommon):
    def test_import_creates_sale_orders_matching_amazon(self):
        ids = self.create_orders(
            30,
            unknown_sku_share=0.1,
            malformed_share=0.1,
            business_share=0.2,
            promotion_share=0.3,
            gift_share=0.2,
        )
        run = self.import_orders()
        self.assertEqual(run.state, "done")
        bindings = self.bindings()
        self.assertEqual(sorted(bindings.mapped("external_id")), sorted(ids))
        assert_imported(self, bindings)
        promotions = self.env["sale.order.line"].search(
            [
                ("order_id.mp_backend_id", "=", self.backend.id),
                ("product_id", "=", self.backend.discount_product_id.id),
            ]
        )
        self.assertTrue(promotions)
        self.assertTrue(all(line.price_unit < 0 for line in promotions))
        # gift wrapping: its own line, with the buyer's message, VAT included
        gifts = self.env["sale.order.line"].search(
            [
                ("order_id.mp_backend_id", "=", self.backend.id),
                ("product_id", "=", self.backend.gift_wrap_product_id.id),
            ]
        )
        gift_orders = [
            b.external_id
            for b in bindings
            if b.state == "done"
            and self.amazon.order_record(b.external_id)["items"][0]["gift_wrap"] != "0"
        ]
        self.assertTrue(gifts)
        self.assertEqual(
            sorted(gifts.order_id.mapped("client_order_ref")), sorted(gift_orders)
        )
        for line in gifts:
            self.assertAlmostEqual(line.price_total, 3.5, 2)
            self.assertIn("Joyeux anniversaire", line.name)
        # the cursor stays two minutes and more behind now
        self.assertTrue(self.backend.import_cursor)
        # importing again changes nothing
        before = {b.external_id: (b.sale_order_id.id, b.state) for b in bindings}
        self.import_orders()
        after = {b.external_id: (b.sale_order_id.id, b.state) for b in self.bindings()}
        self.assertEqual(before, after)

    def test_pending_orders_wait_then_cancellations_cancel(self):
        (pending,) = self.create_orders(1, pending_share=1.0)
        (other,) = self.create_orders(1)
        self.import_orders()
        binding = self.bindings().filtered(lambda b: b.external_id == pending)
        self.assertEqual(binding.state, "skipped")
        self.assertFalse(binding.sale_order_id)
        # payment authorised: the order gets its prices and is imported
        self.amazon.set_order_status(pending, "Unshipped")
        self._age(pending)
        self.import_orders()
        self.assertEqual(binding.state, "done")
        self.assertEqual(binding.sale_order_id.state, "sale")
        # the buyer cancels the other one on Amazon
        done = self.bindings().filtered(lambda b: b.external_id == other)
        self.amazon.set_order_status(other, "Canceled")
        self._age(other)
        self.import_orders()
        self.assertEqual(done.sale_order_id.state, "cancel")

    def _age(self, order_id):
        """Date the last change before the two-minute window Amazon keeps."""
        with self.amazon.lock:
            self.amazon._find_order(order_id).updated -= timedelta(minutes=5)

    def test_fba_orders_are_delivered_from_amazon_stock(self):
        ids = self.create_orders(4, afn_share=1.0, status="Shipped")
        self.import_orders()
        bindings = self.bindings()
        self.assertEqual(sorted(bindings.mapped("external_id")), sorted(ids))
        fba = self.backend.amazon_fba_warehouse_id
        self.assertTrue(fba)
        for binding in bindings:
            self.assertEqual(binding.state, "done", binding.error_message)
            self.assertEqual(binding.ship_state, "done")
            order = binding.sale_order_id
            self.assertEqual(order.warehouse_id, fba)
            self.assertTrue(order.picking_ids)
            self.assertEqual(set(order.picking_ids.mapped("state")), {"done"})
        # our own stock did not move
        quants = self.env["stock.quant"].search(
            [
                ("location_id", "child_of", self.warehouse.lot_stock_id.id),
                ("product_id", "in", self.products.ids),
            ]
        )
        self.assertEqual(set(quants.mapped("quantity")), {50.0})
        # nothing declared to Amazon
        self.assertEqual(self.amazon.get_stats().get("confirmShipment"), None)

    def test_throttling_and_server_errors_lose_nothing(self):
        ids = self.create_orders(15)
        self.amazon.set_faults({"rate_429": 0.3, "rate_5xx": 0.2})
        self.import_orders()
        self.amazon.set_faults({"rate_429": 0, "rate_5xx": 0})
        bindings = self.bindings()
        self.assertEqual(sorted(bindings.mapped("external_id")), sorted(ids))
        self.assertEqual(set(bindings.mapped("state")), {"done"})
        self.assertGreater(self.job_stats["retried"], 0)
