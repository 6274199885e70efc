"""The offer side of the base, through the fake connector: listing import
and matching, export of what changed in batches, push status, drift."""

from decimal import Decimal

from mphub.errors import TransientError

from odoo import Command

from .fake_common import PRODUCTS, STOCK, FakeConnectorCase


class TestFakeOffers(FakeConnectorCase):
    def list_products(self, quantity=5, price="1.00"):
        """The fixtures' products listed on the marketplace with another
        quantity and price than Odoo's, then bound: binding them marks
        them, and the export of what differs runs too."""
        for sku in PRODUCTS:
            self.market.add_listing(sku, quantity=quantity, price=price)
        self.import_listings()
        return {offer.seller_sku: offer for offer in self.offers()}

    def pushed(self, verb):
        """{SKU: value} of every row sent by ``verb``."""
        field = "quantity" if verb == "push_stock" else "price"
        return {
            row.sku: getattr(row, field)
            for (rows,) in self.market.calls_of(verb)
            for row in rows
        }

    def test_listings_are_bound_by_sku_then_ean_then_marketplace_id(self):
        red_ean, blue_ean = PRODUCTS["FK-RED"][0], PRODUCTS["FK-BLUE"][0]
        self.env["mp.offer.binding"].create(
            {
                "backend_id": self.backend.id,
                "seller_sku": "OLD-BOOK",
                "product_id": self.product["FK-BOOK"].id,
                "marketplace_product_id": "MP-BOOK",
                # what Odoo shows already: nothing to push
                "stock_state": "confirmed",
                "sent_quantity": STOCK,
                "confirmed_quantity": STOCK,
                "price_state": "confirmed",
                "sent_price": 15.0,
                "confirmed_price": 15.0,
            }
        )
        self.market.listing_page_size = 2
        self.market.add_listing(
            "FK-RED", quantity=STOCK, price="12.00", condition="used"
        )
        self.market.add_listing("SHOP-BLUE", quantity=2, price="8.50", eans=[blue_ean])
        self.market.add_listing("SHOP-BOOK", product_id="MP-BOOK")
        self.market.add_listing("NOBODY", quantity=1, eans=["0000000000000"])
        self.market.add_listing("TWO-EANS", quantity=1, eans=[red_ean, blue_ean])
        self.market.add_listing("BROKEN", quantity="many", title="Broken offer")
        run = self.import_listings()
        offers = {offer.seller_sku: offer for offer in self.offers()}
        self.assertEqual(offers["FK-RED"].product_id, self.product["FK-RED"])
        self.assertEqual(offers["SHOP-BLUE"].product_id, self.product["FK-BLUE"])
        self.assertEqual(offers["SHOP-BOOK"].product_id, self.product["FK-BOOK"])
        self.assertNotIn("NOBODY", offers)
        red = offers["FK-RED"]
        self.assertEqual(red.condition_label, "Used")
        self.assertTrue(red.external_id.startswith("OF-"))
        # what the marketplace shows is the confirmed baseline: only what
        # differs from Odoo is pushed (a listing without quantity or price
        # gets both)
        self.assertEqual(red.stock_state, "confirmed")
        self.assertEqual(red.confirmed_quantity, STOCK)
        self.assertEqual(
            self.pushed("push_stock"), {"SHOP-BLUE": STOCK, "SHOP-BOOK": STOCK}
        )
        self.assertEqual(self.pushed("push_prices"), {"SHOP-BOOK": Decimal("15.00")})
        reviews = self.env["mp.listing.review"].search(
            [("backend_id", "=", self.backend.id)]
        )
        self.assertEqual(
            {review.seller_sku: review.reason for review in reviews},
            {"NOBODY": "unknown", "TWO-EANS": "ambiguous", "BROKEN": "invalid"},
        )
        ambiguous = reviews.filtered(lambda r: r.reason == "ambiguous")
        self.assertEqual(
            ambiguous.candidate_ids, self.product["FK-RED"] | self.product["FK-BLUE"]
        )
        invalid = reviews.filtered(lambda r: r.reason == "invalid")
        self.assertIn("quantity", invalid.message)
        self.assertEqual(invalid.title, "Broken offer")
        self.assertEqual(run.page_count, 3)
        self.assertEqual(len(self.market.calls_of("list_listings")), 3)
        self.assertEqual(run.count_new, 3)
        self.assertEqual(run.count_error, 3)
        self.assertEqual(run.result, "done_errors")
        self.assertTrue(self.backend.last_listing_date)

    def test_export_sends_what_differs_in_batches_then_nothing(self):
        self.market.max_push_rows = 2
        offers = self.list_products()
        self.assertEqual(
            [len(rows) for (rows,) in self.market.calls_of("push_stock")], [2, 1]
        )
        self.assertEqual(
            [len(rows) for (rows,) in self.market.calls_of("push_prices")], [2, 1]
        )
        for sku, (_ean, price, _rate) in PRODUCTS.items():
            listing = self.market.listings[sku]
            self.assertEqual(listing["quantity"], STOCK)
            self.assertEqual(Decimal(listing["price"]), Decimal(price))
            offer = offers[sku]
            self.assertEqual(offer.stock_state, "confirmed")
            self.assertEqual(offer.confirmed_quantity, STOCK)
            self.assertEqual(offer.price_state, "confirmed")
            self.assertFalse(offer.export_pending)
        pushes = self.env["mp.offer.push"].search(
            [("backend_id", "=", self.backend.id)]
        )
        self.assertEqual(len(pushes), 4)
        self.assertEqual(set(pushes.mapped("state")), {"done"})
        self.assertEqual(
            sorted(pushes.mapped("external_id")), sorted(self.market.batches)
        )
        export = pushes.run_id
        self.assertEqual(export.operation, "export_offers")
        self.assertEqual(export.count_done, 3)
        # nothing changed: not a single call
        calls = len(self.market.calls)
        self.backend.action_export_offers()
        self.export()
        self.assertEqual(len(self.market.calls), calls)

    def test_a_stock_move_marks_its_offers_and_only_they_are_sent(self):
        offers = self.list_products()
        red = self.product["FK-RED"]
        customer = self.env["res.partner"].create({"name": "A shop customer"})
        order = self.env["sale.order"].create(
            {
                "partner_id": customer.id,
                "warehouse_id": self.warehouse.id,
                "order_line": [
                    Command.create({"product_id": red.id, "product_uom_qty": 3})
                ],
            }
        )
        calls = len(self.market.calls)
        order.action_confirm()
        self.export()
        new_calls = self.market.calls[calls:]
        pushed = [args for verb, args in new_calls if verb == "push_stock"]
        self.assertEqual(
            [[(row.sku, row.quantity) for row in rows] for (rows,) in pushed],
            [[("FK-RED", STOCK - 3)]],
        )
        self.assertFalse([verb for verb, _args in new_calls if verb == "push_prices"])
        self.assertEqual(offers["FK-RED"].confirmed_quantity, STOCK - 3)
        self.assertEqual(self.market.listings["FK-RED"]["quantity"], STOCK - 3)

    def test_per_sku_errors_land_on_their_offers(self):
        self.market.rejected["FK-BLUE"] = "The offer is suspended"
        offers = self.list_products()
        blue = offers["FK-BLUE"]
        self.assertEqual(blue.stock_state, "error")
        self.assertEqual(blue.price_state, "error")
        self.assertEqual(blue.push_error, "The offer is suspended")
        self.assertTrue(blue.has_error)
        self.assertEqual(blue.stock_push_id.state, "partial")
        self.assertEqual(blue.stock_push_id.error_count, 1)
        for sku in ("FK-RED", "FK-BOOK"):
            self.assertEqual(offers[sku].stock_state, "confirmed")
            self.assertFalse(offers[sku].has_error)
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.offer_error_count, 1)
        self.assertEqual(len(self.events("data_error")), 2)  # stock and price

    def test_a_rejected_batch_is_sent_again_by_the_next_export(self):
        original = self.market.send_batch

        def send_failing(kind, rows):
            batch_id = original(kind, rows)
            self.market.batches[batch_id]["failed"] = True
            return batch_id

        self.market.send_batch = send_failing
        offers = self.list_products()
        self.assertEqual(offers["FK-RED"].stock_push_id.state, "failed")
        self.assertEqual(offers["FK-RED"].stock_state, "error")
        self.assertIn("bad file", offers["FK-RED"].push_error)
        self.assertEqual(self.market.listings["FK-RED"]["quantity"], 5)
        self.market.send_batch = original
        self.offers()._mark_dirty()
        self.export()
        self.assertEqual(offers["FK-RED"].stock_state, "confirmed")
        self.assertEqual(self.market.listings["FK-RED"]["quantity"], STOCK)

    def test_a_batch_in_progress_is_polled_until_done(self):
        self.market.batch_polls = 2
        self.list_products()
        # two checks of each batch (stock, prices) answered "still running"
        self.assertEqual(self.job_stats["retried"], 4)
        self.assertEqual(len(self.market.calls_of("push_status")), 6)
        pushes = self.env["mp.offer.push"].search(
            [("backend_id", "=", self.backend.id)]
        )
        self.assertEqual(set(pushes.mapped("state")), {"done"})

    def test_a_push_answered_at_once_needs_no_polling(self):
        self.market.answer_at_once = True
        self.market.rejected["FK-BOOK"] = "Price under the floor"
        offers = self.list_products()
        self.assertFalse(self.market.calls_of("push_status"))
        self.assertEqual(offers["FK-RED"].stock_state, "confirmed")
        self.assertEqual(offers["FK-RED"].stock_push_id.state, "partial")
        self.assertEqual(offers["FK-RED"].stock_push_id.error_count, 1)
        self.assertEqual(offers["FK-BOOK"].price_state, "error")
        self.assertEqual(offers["FK-BOOK"].push_error, "Price under the floor")

    def test_quantities_and_prices_go_together_when_the_client_pushes_both(self):
        self.market.pushes_both = True
        offers = self.list_products()
        self.assertFalse(self.market.calls_of("push_stock"))
        self.assertFalse(self.market.calls_of("push_prices"))
        ((rows,),) = self.market.calls_of("push_offers")
        self.assertEqual(len(rows), 3)
        self.assertEqual(len(self.market.calls_of("push_status")), 1)
        red = offers["FK-RED"]
        self.assertEqual(red.stock_push_id.external_id, red.price_push_id.external_id)
        self.assertNotEqual(red.stock_push_id, red.price_push_id)
        self.assertEqual(red.stock_state, "confirmed")
        self.assertEqual(red.price_state, "confirmed")

    def test_a_transient_failure_of_a_push_is_retried(self):
        self.market.fail("push_stock", TransientError("503 Service Unavailable"))
        self.list_products()
        self.assertEqual(self.job_stats["retried"], 1)
        retries = self.events("retry")
        self.assertEqual(len(retries), 1)
        self.assertIn("503", retries.message)
        self.assertEqual(len(self.market.calls_of("push_stock")), 2)
        self.assertEqual(self.market.listings["FK-RED"]["quantity"], STOCK)

    def test_drift_is_flagged_then_corrected(self):
        offers = self.list_products()
        self.market.listings["FK-BLUE"]["quantity"] = 3
        self.market.listings["FK-BOOK"]["price"] = "9.99"
        run = self.import_listings(mode="drift")
        self.assertEqual(run.operation, "check_drift")
        self.assertEqual(run.count_drift, 2)
        drifted = self.offers().filtered("drift")
        self.assertEqual(sorted(drifted.mapped("seller_sku")), ["FK-BLUE", "FK-BOOK"])
        self.assertIn("quantity 3", offers["FK-BLUE"].drift_note)
        self.assertIn("price 9.99", offers["FK-BOOK"].drift_note)
        self.assertEqual(offers["FK-BLUE"].mp_quantity, 3)
        drifted.action_fix_drift()
        self.export()
        self.assertEqual(self.market.listings["FK-BLUE"]["quantity"], STOCK)
        self.assertEqual(
            Decimal(self.market.listings["FK-BOOK"]["price"]), Decimal("15.00")
        )
        self.assertFalse(self.offers().filtered("drift"))
