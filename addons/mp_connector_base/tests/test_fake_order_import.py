"""The order import of the base, through the fake connector: paging and
cursor, the import window, idempotent re-imports, retries, the sale order
built, orders that need none."""

from datetime import timedelta

from mphub.errors import ThrottledError

from odoo import fields
from odoo.tools import float_compare

from .fake_common import STOCK, FakeConnectorCase


class TestFakeOrderImport(FakeConnectorCase):
    def test_one_job_per_page_and_the_cursor_moves_after_the_last(self):
        self.market.page_size = 2
        order_ids = [self.market.add_order(("FK-RED", 1)) for _i in range(5)]
        with self.trap_jobs() as trap:
            run = self.backend._schedule_import_orders()
            self.run_jobs(trap, rounds=1)
            # one page stored: the run goes on, the cursor waits
            self.assertEqual(run.page_count, 1)
            self.assertEqual(run.state, "running")
            self.assertFalse(self.backend.import_cursor)
            self.run_jobs(trap)
        self.assertEqual(run.state, "done")
        self.assertEqual(run.page_count, 3)
        self.assertEqual(run.count_fetched, 5)
        self.assertEqual(run.count_new, 5)
        self.assertEqual(run.total_expected, 5)
        self.assertEqual(self.backend.import_cursor, run.cursor_candidate)
        self.assertTrue(self.backend.last_import_date)
        calls = self.market.calls_of("list_orders")
        self.assertEqual(len(calls), 3)
        # every page asks the same window, the next one with the token of
        # the page before
        self.assertEqual({since for since, _page, _before in calls}, {calls[0][0]})
        self.assertEqual(calls[0][0].replace(tzinfo=None), run.window_start)
        self.assertEqual([page for _since, page, _before in calls][0], None)
        self.assertTrue(all(page for _since, page, _before in calls[1:]))
        bindings = self.bindings()
        self.assertEqual(sorted(bindings.mapped("external_id")), order_ids)
        self.assertEqual(set(bindings.mapped("state")), {"done"})
        self.assertEqual(sum(run.child_ids.mapped("count_done")), 5)

    def test_the_window_ends_the_import_lag_before_now(self):
        self.market.import_lag = timedelta(minutes=3)
        old = self.market.add_order(("FK-RED", 1), ago=10)
        recent = self.market.add_order(("FK-RED", 1), ago=1)
        started = fields.Datetime.now()
        run = self.import_orders()
        ((_since, _page, before),) = self.market.calls_of("list_orders")
        self.assertEqual(before.replace(tzinfo=None), run.cursor_candidate)
        lag = timedelta(minutes=3)
        self.assertGreaterEqual(run.cursor_candidate, started - lag)
        self.assertLessEqual(run.cursor_candidate, fields.Datetime.now() - lag)
        self.assertEqual(self.backend.import_cursor, run.cursor_candidate)
        self.assertEqual(self.bindings().mapped("external_id"), [old])
        # without a lag, the window has no end: the recent order comes
        self.market.import_lag = timedelta(0)
        second = self.import_orders()
        ((_since, _page, before),) = self.market.calls_of("list_orders")[1:]
        self.assertIsNone(before)
        self.assertEqual(
            second.window_start,
            run.cursor_candidate
            - timedelta(minutes=self.backend.import_overlap_minutes),
        )
        self.assertIn(recent, self.bindings().mapped("external_id"))

    def test_importing_again_changes_nothing(self):
        for _i in range(4):
            self.market.add_order(("FK-RED", 1), ("FK-BLUE", 2))
        self.import_orders()
        fields = ["external_id", "state", "sale_order_id", "payload_hash"]
        snapshot = self.bindings().read(fields)
        orders = self.env["sale.order"].search_count([])
        run = self.import_orders()
        self.assertEqual(run.count_fetched, 4)
        self.assertEqual(run.count_unchanged, 4)
        self.assertEqual(run.count_new + run.count_updated, 0)
        self.assertFalse(run.child_ids, "nothing to process")
        self.assertEqual(self.env["sale.order"].search_count([]), orders)
        self.assertEqual(self.bindings().read(fields), snapshot)

    def test_an_updated_order_updates_its_binding_not_its_sale_order(self):
        orders_before = self.env["sale.order"].search_count([])
        binding = self.import_order(("FK-RED", 1))
        order_id = binding.external_id
        sale_order = binding.sale_order_id
        self.market.orders[order_id]["reference"] = "R-CHANGED"
        self.market.set_state(order_id, "TO_SHIP")
        run = self.import_orders()
        self.assertEqual(run.count_updated, 1)
        self.assertEqual(binding.reference, "R-CHANGED")
        self.assertEqual(binding.sale_order_id, sale_order)
        self.assertEqual(self.env["sale.order"].search_count([]), orders_before + 1)

    def test_a_throttled_page_is_asked_again_alone(self):
        self.market.page_size = 2
        for _i in range(5):
            self.market.add_order(("FK-RED", 1))
        self.market.fail(
            "list_orders",
            ThrottledError("429 Too Many Requests", retry_after=1),
            after=1,
        )
        run = self.import_orders()
        self.assertEqual(self.job_stats["retried"], 1)
        pages = [page for _since, page, _before in self.market.calls_of("list_orders")]
        self.assertEqual(len(pages), 4)
        self.assertEqual(pages.count(None), 1, "the first page is not asked again")
        self.assertEqual(pages[1], pages[2], "the same page is asked again")
        retry = self.events("retry")
        self.assertEqual(len(retry), 1)
        self.assertIn("429", retry.message)
        self.assertEqual(retry.run_id, run)
        self.assertEqual(run.count_retry, 1)
        self.assertEqual(run.state, "done")
        self.assertEqual(len(self.bindings()), 5)

    def test_the_sale_order_holds_what_the_marketplace_sold(self):
        binding = self.import_order(("FK-RED", 2), ("FK-BOOK", 1))
        order_id = binding.external_id
        raw = binding.raw_payload
        self.assertEqual(binding.state, "done", binding.error_message)
        order = binding.sale_order_id
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.mp_external_id, order_id)
        self.assertEqual(order.client_order_ref, raw["reference"])
        self.assertEqual(order.warehouse_id, self.warehouse)
        self.assertEqual(order.pricelist_id, self.pricelist)
        lines = order.order_line.filtered(lambda line: not line.is_delivery)
        for raw_line, line in zip(raw["lines"], lines, strict=True):
            self.assertEqual(line.product_id.default_code, raw_line["sku"])
            self.assertEqual(line.product_uom_qty, raw_line["quantity"])
            self.assertAlmostEqual(line.price_unit, float(raw_line["unit_price"]))
            self.assertEqual(line.mp_line_external_id, raw_line["id"])
            self.assertEqual(line.tax_id, line.product_id.taxes_id)
        # both lines ship at 20 %: one shipping line
        shipping = order.order_line.filtered("is_delivery")
        self.assertEqual(len(shipping), 1)
        self.assertEqual(shipping.product_id, self.shipping_product)
        self.assertAlmostEqual(shipping.price_total, 9.80)
        self.assertEqual(
            float_compare(
                order.amount_total, float(raw["total"]), precision_rounding=0.01
            ),
            0,
        )
        self.assertAlmostEqual(binding.amount_total, float(raw["total"]))
        self.assertFalse(binding.amount_mismatch)
        self.assertEqual(order.partner_shipping_id.zip, "69003")
        self.assertEqual(order.partner_shipping_id.type, "delivery")
        self.assertEqual(order.date_order, binding.marketplace_created_at)
        self.assertEqual(order.source_id, self.backend.utm_source_id)
        # the stock the order takes is that of the account's warehouse
        red = self.product["FK-RED"].with_context(warehouse_id=self.warehouse.id)
        self.assertEqual(red.free_qty, STOCK - 2)

    def test_a_buyer_is_one_partner_whatever_the_number_of_orders(self):
        regular = [
            self.market.add_order(("FK-RED", 1), buyer_id="B-REGULAR")
            for _i in range(3)
        ]
        other = self.market.add_order(("FK-RED", 1), buyer_id="B-OTHER")
        self.import_orders()
        partner = self.binding(regular[0]).sale_order_id.partner_id
        for order_id in regular:
            self.assertEqual(self.binding(order_id).sale_order_id.partner_id, partner)
        self.assertNotEqual(self.binding(other).sale_order_id.partner_id, partner)
        buyers = self.env["mp.partner.binding"].search(
            [("backend_id", "=", self.backend.id)]
        )
        self.assertEqual(sorted(buyers.mapped("external_id")), ["B-OTHER", "B-REGULAR"])


class TestFakeOrdersSkipped(FakeConnectorCase):
    def test_orders_first_seen_dead_or_shipped_need_no_sale_order(self):
        cancelled = self.market.add_order(("FK-RED", 1), state="CANCELLED")
        refused = self.market.add_order(("FK-RED", 1), state="REFUSED")
        shipped = self.market.add_order(("FK-RED", 1), state="SHIPPED")
        # cancelled orders may come without what a mapping needs
        broken = self.market.add_order(("FK-RED", 1), state="CANCELLED", buyer=None)
        run = self.import_orders()
        for order_id in (cancelled, refused, shipped, broken):
            binding = self.binding(order_id)
            self.assertEqual(binding.state, "skipped", order_id)
            self.assertFalse(binding.sale_order_id)
            self.assertTrue(binding.raw_payload)
            self.assertTrue(binding.error_message)
        self.assertEqual(self.binding(broken).order_status, "cancelled")
        self.assertIn("buyer", self.binding(broken).error_message)
        self.assertIn("not imported", self.binding(shipped).error_message)
        self.assertEqual(run.count_error, 0)
        self.assertFalse(self.events("data_error"))
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.order_error_count, 0)
        self.assertEqual(self.backend.health_state, "ok")

    def test_a_pending_order_is_imported_once_confirmed(self):
        binding = self.import_order(("FK-RED", 1), state="PAYMENT_PENDING")
        order_id = binding.external_id
        self.assertEqual(binding.state, "skipped")
        self.assertIn("once the marketplace confirms it", binding.error_message)
        self.market.set_state(order_id, "TO_SHIP")
        self.import_orders()
        self.assertEqual(binding.state, "done")
        self.assertEqual(binding.sale_order_id.state, "sale")
