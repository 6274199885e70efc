from datetime import timedelta
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tools import float_compare

from .common import BOULANGER_KEY, BOULANGER_SHOP, MiraklCommon


class TestOrderImport(MiraklCommon):
    def assert_total_matches(self, binding):
        order = binding.sale_order_id
        self.assertEqual(
            float_compare(
                order.amount_total,
                binding.amount_total,
                precision_rounding=order.currency_id.rounding,
            ),
            0,
            f"{binding.external_id}: {order.amount_total} != {binding.amount_total}",
        )
        self.assertFalse(binding.amount_mismatch)

    def test_import_valid_orders_and_keep_the_others_in_error(self):
        order_ids = self.create_orders(40, unknown_sku_share=0.1, malformed_share=0.05)
        kinds = {i: self.sandbox_order(i)["kind"] for i in order_ids}
        run = self.import_orders()

        bindings = self.bindings()
        self.assertEqual(sorted(bindings.mapped("external_id")), sorted(order_ids))
        by_id = {b.external_id: b for b in bindings}
        self.assertEqual(list(kinds.values()).count("unknown_sku"), 4)
        self.assertEqual(list(kinds.values()).count("malformed"), 2)
        for order_id, kind in kinds.items():
            binding = by_id[order_id]
            self.assertTrue(binding.raw_payload, "the raw payload is always kept")
            if kind == "valid":
                self.assertEqual(binding.state, "done", binding.error_message)
                self.assertEqual(binding.sale_order_id.state, "sale")
                self.assertEqual(binding.sale_order_id.mp_external_id, order_id)
                self.assert_total_matches(binding)
            elif kind == "unknown_sku":
                self.assertEqual(binding.state, "error")
                self.assertEqual(binding.error_kind, "product")
                self.assertFalse(binding.sale_order_id)
                self.assertIn("UNKNOWN-", binding.missing_skus)
                self.assertIn(binding.missing_skus, binding.error_message)
            else:
                self.assertEqual(binding.state, "error")
                self.assertEqual(binding.error_kind, "data")
                self.assertFalse(binding.sale_order_id)
                self.assertTrue(binding.error_message)
        valid = [i for i, kind in kinds.items() if kind == "valid"]
        orders = self.env["sale.order"].search(
            [("mp_backend_id", "=", self.backend.id)]
        )
        self.assertEqual(len(orders), len(valid))
        self.assertEqual(run.state, "done")
        self.assertEqual(run.count_fetched, 40)
        self.assertEqual(run.count_new, 40)
        self.assertEqual(self.backend.import_cursor, run.cursor_candidate)
        self.assertEqual(self.backend.last_import_date.date(), run.date_end.date())
        processing = run.child_ids
        self.assertEqual(sum(processing.mapped("count_done")), len(valid))
        self.assertEqual(sum(processing.mapped("count_error")), 4)
        errors = self.env["mp.sync.event"].search(
            [("backend_id", "=", self.backend.id), ("event_type", "=", "data_error")]
        )
        self.assertEqual(set(errors.order_binding_id.mapped("state")), {"error"})

    def test_sale_order_content(self):
        (order_id,) = self.create_orders(1, lines=(2, 2))
        self.import_orders()
        binding = self.bindings()
        raw = binding.raw_payload
        order = binding.sale_order_id
        product_lines = order.order_line.filtered(lambda line: not line.is_delivery)
        self.assertEqual(len(product_lines), 2)
        for raw_line, line in zip(raw["order_lines"], product_lines, strict=True):
            self.assertEqual(line.product_id.default_code, raw_line["offer_sku"])
            self.assertEqual(line.product_uom_qty, raw_line["quantity"])
            self.assertAlmostEqual(line.price_unit, raw_line["price_unit"])
            self.assertAlmostEqual(line.price_total, raw_line["price"])
            self.assertEqual(line.mp_line_external_id, raw_line["order_line_id"])
            self.assertEqual(len(line.tax_id), 1)
            self.assertTrue(line.tax_id.price_include)
            self.assertEqual(line.tax_id, line.product_id.taxes_id)
        shipping = order.order_line.filtered("is_delivery")
        self.assertAlmostEqual(
            sum(shipping.mapped("price_total")), raw["shipping_price"]
        )
        self.assertAlmostEqual(order.amount_total, raw["total_price"])
        self.assertAlmostEqual(order.mp_commission_amount, raw["total_commission"])
        self.assertEqual(order.warehouse_id, self.warehouse)
        self.assertEqual(order.client_order_ref, raw["commercial_id"])
        self.assertEqual(
            order.partner_shipping_id.zip,
            raw["customer"]["shipping_address"]["zip_code"],
        )
        self.assertEqual(order.partner_shipping_id.type, "delivery")
        self.assertEqual(order.partner_shipping_id.parent_id, order.partner_id)
        # the marketplace order date is kept through the confirmation
        self.assertEqual(order.date_order, binding.marketplace_created_at)

    def test_import_again_changes_nothing(self):
        self.create_orders(12, unknown_sku_share=0.25, malformed_share=0.1)
        self.import_orders()
        # the first import accepted the orders: the second one sees updates
        self.import_orders()
        snapshot = {
            b.external_id: (b.state, b.sale_order_id.id, b.payload_hash)
            for b in self.bindings()
        }
        order_count = self.env["sale.order"].search_count([])
        run = self.import_orders()
        self.assertEqual(run.count_new, 0)
        self.assertEqual(run.count_updated, 0)
        self.assertEqual(run.count_unchanged, 12)
        self.assertFalse(run.child_ids, "nothing to process")
        self.assertEqual(self.env["sale.order"].search_count([]), order_count)
        self.assertEqual(
            {
                b.external_id: (b.state, b.sale_order_id.id, b.payload_hash)
                for b in self.bindings()
            },
            snapshot,
        )

    def test_window_starts_at_the_cursor_minus_the_overlap(self):
        self.create_orders(3)
        first = self.import_orders()
        with self.trap_jobs():
            second = self.backend._schedule_import_orders()
        self.assertEqual(
            second.window_start,
            first.cursor_candidate
            - timedelta(minutes=self.backend.import_overlap_minutes),
        )

    def test_unknown_sku_replays_once_the_product_exists(self):
        self.create_orders(3, unknown_sku_share=1.0)
        self.import_orders()
        bindings = self.bindings()
        self.assertEqual(set(bindings.mapped("state")), {"error"})
        skus = set(bindings.missing_sku_ids.mapped("sku"))
        with self.trap_jobs() as trap:
            for sku in skus:
                self.env["product.product"].create(
                    {"name": f"Product {sku}", "default_code": sku, "is_storable": True}
                )
            self.run_jobs(trap)
        self.assertEqual(set(bindings.mapped("state")), {"done"})
        self.assertFalse(bindings.missing_sku_ids)
        for binding in bindings:
            self.assertEqual(binding.sale_order_id.state, "sale")

    def test_unknown_sku_replays_once_an_offer_links_it(self):
        self.create_orders(1, unknown_sku_share=1.0)
        self.import_orders()
        binding = self.bindings()
        sku = binding.missing_sku_ids.sku
        with self.trap_jobs() as trap:
            self.env["mp.offer.binding"].create(
                {
                    "backend_id": self.backend.id,
                    "seller_sku": sku,
                    "product_id": self.products[0].id,
                }
            )
            self.run_jobs(trap)
        self.assertEqual(binding.state, "done")
        self.assertIn(self.products[0], binding.sale_order_id.order_line.product_id)

    def test_replay_of_a_malformed_order_keeps_it_in_error(self):
        self.create_orders(1, malformed_share=1.0)
        self.import_orders()
        binding = self.bindings()
        message = binding.error_message
        binding.action_replay()
        self.assertEqual(binding.state, "error")
        self.assertEqual(binding.error_message, message)

    def test_missing_tax_is_a_configuration_error_until_created(self):
        (order_id,) = self.create_orders(1, lines=(1, 1))
        taxes = self.env["account.tax"].search(
            [("type_tax_use", "=", "sale"), ("company_id", "=", self.env.company.id)]
        )
        taxes.active = False
        self.import_orders()
        binding = self.bindings()
        self.assertEqual(binding.error_kind, "config")
        self.assertIn("agrees with none of the candidate taxes", binding.error_message)
        raw_tax = binding.raw_payload["order_lines"][0]["taxes"][0]["amount"]
        taxes.active = True
        self.assertTrue(raw_tax)
        binding.action_replay()
        self.assertEqual(binding.state, "done")

    def test_marketplace_cancellation_cancels_the_sale_order(self):
        (order_id,) = self.create_orders(1)
        self.import_orders()
        binding = self.bindings()
        self.assertEqual(binding.sale_order_id.state, "sale")
        self.sandbox_admin(
            "mirakl", "POST", f"orders/{order_id}/state", {"state": "CANCELED"}
        )
        self.import_orders()
        self.assertEqual(binding.marketplace_state, "CANCELED")
        self.assertEqual(binding.sale_order_id.state, "cancel")
        self.assertEqual(binding.state, "done")

    def test_orders_first_seen_closed_are_skipped(self):
        self.create_orders(2, state="CLOSED")
        self.import_orders()
        bindings = self.bindings()
        self.assertEqual(set(bindings.mapped("state")), {"skipped"})
        self.assertFalse(bindings.sale_order_id)
        self.assertTrue(all(bindings.mapped("raw_payload")))

    def test_a_buyer_is_one_partner_with_address_children(self):
        self.create_orders(60)
        self.import_orders()
        orders = self.bindings().sale_order_id
        by_buyer = {}
        for binding in self.bindings():
            buyer = binding.raw_payload["customer"]["customer_id"]
            by_buyer.setdefault(buyer, set()).add(binding.sale_order_id.partner_id.id)
        self.assertTrue(all(len(p) == 1 for p in by_buyer.values()))
        self.assertEqual(
            len(
                self.env["mp.partner.binding"].search(
                    [("backend_id", "=", self.backend.id)]
                )
            ),
            len(by_buyer),
        )
        self.assertLess(len(by_buyer), len(orders), "the sandbox reuses buyers")
        for order in orders:
            self.assertEqual(
                order.partner_invoice_id.commercial_partner_id, order.partner_id
            )

    def test_generic_customer_strategy(self):
        generic = self.env["res.partner"].create({"name": "Boulanger customers"})
        backend = self._create_backend(
            "Boulanger test",
            "boulanger",
            BOULANGER_KEY,
            partner_strategy="generic",
            generic_partner_id=generic.id,
        )
        self.create_orders(5, shop=BOULANGER_SHOP)
        self.import_orders(backend)
        orders = self.bindings(backend).sale_order_id
        self.assertEqual(len(orders), 5)
        self.assertEqual(orders.partner_id, generic)
        self.assertEqual(orders.partner_shipping_id.parent_id, generic)
        # the two accounts do not see each other's orders
        self.assertFalse(self.bindings())

    def test_throttling_and_server_errors_are_retried_to_the_same_end(self):
        order_ids = self.create_orders(30, unknown_sku_share=0.1)
        self.sandbox_admin(
            "mirakl",
            "POST",
            "faults",
            {"rate_429": 0.3, "rate_5xx": 0.2, "retry_after": 1},
        )
        try:
            run = self.import_orders()
        finally:
            self.sandbox_admin(
                "mirakl", "POST", "faults", {"rate_429": 0, "rate_5xx": 0}
            )
        kinds = {i: self.sandbox_order(i)["kind"] for i in order_ids}
        by_id = {b.external_id: b for b in self.bindings()}
        self.assertEqual(set(by_id), set(order_ids))
        for order_id, kind in kinds.items():
            expected = "done" if kind == "valid" else "error"
            self.assertEqual(by_id[order_id].state, expected)
        self.assertGreater(self.job_stats["retried"], 0)
        retries = self.env["mp.sync.event"].search(
            [("backend_id", "=", self.backend.id), ("event_type", "=", "retry")]
        )
        self.assertEqual(len(retries), self.job_stats["retried"])
        self.assertTrue(any("429" in m for m in retries.mapped("message")))
        self.assertEqual(run.state, "done")
        self.assertEqual(
            run.count_retry, len(retries.filtered(lambda e: e.run_id == run))
        )
        stats = self.sandbox_admin("mirakl", "GET", "stats")
        served = sum(op.get("429", 0) + op.get("5xx", 0) for op in stats.values())
        self.assertEqual(served, self.job_stats["retried"])


class TestOrderBatches(MiraklCommon):
    def test_stock_covers_only_the_first_orders_of_a_batch(self):
        product = self.env["product.product"].search(
            [("default_code", "=", "MPH-0001")]
        )
        self.env["stock.quant"]._update_available_quantity(
            product, self.warehouse.lot_stock_id, -product.qty_available + 3
        )
        # three orders of 1 to 3 units of that single product
        order_ids = self.create_orders(3, lines=(1, 1), catalog_size=1)
        self.import_orders()
        by_id = {b.external_id: b for b in self.bindings()}
        quantities = [
            by_id[i].raw_payload["order_lines"][0]["quantity"] for i in order_ids
        ]
        covered, accepted = 3, []
        for order_id, quantity in zip(order_ids, quantities, strict=True):
            if quantity <= covered:
                covered -= quantity
                accepted.append(order_id)
        for order_id in order_ids:
            expected = "accepted" if order_id in accepted else "to_decide"
            self.assertEqual(by_id[order_id].accept_state, expected, quantities)

    def test_one_failing_sale_order_does_not_block_the_batch(self):
        order_ids = self.create_orders(4)
        victim = order_ids[2]
        sale_order_class = type(self.env["sale.order"])
        original = sale_order_class._action_confirm

        def confirm(orders):
            if any(victim in (order.origin or "") for order in orders):
                message = "Confirmation refused for the test"
                raise UserError(message)
            return original(orders)

        with patch.object(sale_order_class, "_action_confirm", confirm):
            self.import_orders()
        by_id = {b.external_id: b for b in self.bindings()}
        self.assertEqual(by_id[victim].state, "error")
        self.assertIn("Confirmation refused", by_id[victim].error_message)
        self.assertFalse(by_id[victim].sale_order_id)
        for order_id in set(order_ids) - {victim}:
            self.assertEqual(by_id[order_id].state, "done")
            self.assertEqual(by_id[order_id].sale_order_id.state, "sale")

    def test_cancellation_after_delivery_is_kept_for_staff(self):
        (order_id,) = self.create_orders(1)
        self.import_orders()
        binding = self.bindings()
        picking = binding.sale_order_id.picking_ids
        picking.carrier_tracking_ref = "6A1"
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        with self.trap_jobs():
            picking.button_validate()
        self.sandbox_admin(
            "mirakl", "POST", f"orders/{order_id}/state", {"state": "CANCELED"}
        )
        self.import_orders()
        self.assertEqual(binding.state, "error")
        self.assertIn(picking.name, binding.error_message)
        self.assertEqual(binding.sale_order_id.state, "sale")
