"""What the base tells the marketplace, through the fake connector:
acceptance by stock or by staff, shipments (whole, partial, per
delivery), and cancellations."""

from mphub.client import Outcome
from mphub.errors import RemoteError

from .fake_common import STOCK, FakeConnectorCase


class TestFakeAcceptance(FakeConnectorCase):
    def test_orders_the_stock_covers_are_accepted(self):
        binding = self.import_order(
            ("FK-RED", 2), ("FK-BLUE", 1), state="WAITING_ACCEPTANCE"
        )
        order_id = binding.external_id
        self.assertEqual(binding.accept_state, "accepted")
        ((external_id, decisions),) = self.market.calls_of("accept_order")
        self.assertEqual(external_id, order_id)
        self.assertEqual(decisions, {f"{order_id}-1": True, f"{order_id}-2": True})
        self.assertEqual(self.market.orders[order_id]["state"], "TO_SHIP")
        # the next import sees it accepted, and sends nothing more
        self.import_orders()
        self.assertEqual(binding.marketplace_state, "TO_SHIP")
        self.assertEqual(binding.accept_state, "accepted")
        self.assertEqual(len(self.market.calls_of("accept_order")), 1)

    def test_the_stock_covers_the_first_orders_of_a_batch_only(self):
        first = self.market.add_order(("FK-RED", STOCK - 5), state="WAITING_ACCEPTANCE")
        second = self.market.add_order(("FK-RED", 6), state="WAITING_ACCEPTANCE")
        self.import_orders()
        self.assertEqual(self.binding(first).accept_state, "accepted")
        self.assertEqual(self.binding(second).accept_state, "to_decide")

    def test_staff_decide_what_the_stock_does_not_cover(self):
        accepted = self.market.add_order(
            ("FK-RED", STOCK + 1), state="WAITING_ACCEPTANCE"
        )
        refused = self.market.add_order(
            ("FK-BOOK", STOCK + 1), state="WAITING_ACCEPTANCE"
        )
        self.import_orders()
        bindings = self.binding(accepted) | self.binding(refused)
        self.assertEqual(set(bindings.mapped("accept_state")), {"to_decide"})
        self.assertFalse(self.market.calls_of("accept_order"))
        for binding in bindings:
            self.assertTrue(binding.activity_ids)
            self.assertEqual(binding.sale_order_id.state, "sale")
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.order_to_decide_count, 2)
        self.click(self.binding(accepted).sale_order_id.action_mp_accept)
        self.click(self.binding(refused).action_refuse)
        self.assertEqual(self.binding(accepted).accept_state, "accepted")
        self.assertFalse(self.binding(accepted).activity_ids)
        self.assertEqual(self.market.orders[accepted]["state"], "TO_SHIP")
        self.assertEqual(self.binding(refused).accept_state, "refused")
        self.assertEqual(self.market.orders[refused]["state"], "REFUSED")
        self.assertEqual(self.binding(refused).sale_order_id.state, "cancel")
        decisions = dict(self.market.calls_of("accept_order"))
        self.assertEqual(decisions[refused], {f"{refused}-1": False})

    def test_an_acceptance_already_made_counts_as_done(self):
        self.backend.accept_mode = "manual"
        binding = self.import_order(("FK-RED", 1), state="WAITING_ACCEPTANCE")
        order_id = binding.external_id
        self.assertEqual(binding.accept_state, "to_decide")
        # someone accepted it in the marketplace's back office meanwhile
        self.assertEqual(
            self.market.accept(order_id, {f"{order_id}-1": True}), Outcome.DONE
        )
        self.click(binding.action_accept)
        self.assertEqual(binding.accept_state, "accepted")
        self.assertIn("already", binding.sale_order_id.message_ids[0].body)

    def test_a_refused_acceptance_waits_for_a_retry(self):
        self.market.fail("accept_order", RemoteError("order is locked", status=400))
        binding = self.import_order(("FK-RED", 1), state="WAITING_ACCEPTANCE")
        order_id = binding.external_id
        self.assertEqual(binding.accept_state, "error")
        self.assertIn("order is locked", binding.accept_error)
        self.assertEqual(len(self.events("export_error")), 1)
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.export_error_count, 1)
        self.click(binding.action_retry_export)
        self.assertEqual(binding.accept_state, "accepted")
        self.assertEqual(self.market.orders[order_id]["state"], "TO_SHIP")


class TestFakeShipment(FakeConnectorCase):
    def import_one(self, *lines):
        binding = self.import_order(*lines)
        return binding.external_id, binding, binding.sale_order_id.picking_ids

    def test_the_order_is_declared_shipped_once_its_delivery_is_done(self):
        order_id, binding, picking = self.import_one(("FK-RED", 2), ("FK-BLUE", 1))
        self.deliver(picking, tracking="FK-TRACK-1")
        self.assertEqual(binding.ship_state, "done")
        ((external_id, shipment),) = self.market.calls_of("ship_order")
        self.assertEqual(external_id, order_id)
        self.assertEqual(shipment.tracking_number, "FK-TRACK-1")
        self.assertEqual(shipment.carrier_code, "FAKEPOST")
        self.assertIsNone(shipment.lines)
        self.assertEqual(self.market.orders[order_id]["state"], "SHIPPED")
        self.assertIn("FK-TRACK-1", picking.message_ids[0].body)

    def test_a_partial_delivery_waits_for_the_last_one(self):
        order_id, binding, picking = self.import_one(("FK-RED", 2), ("FK-BLUE", 1))
        red = self.product["FK-RED"]
        self.deliver(picking, {red: 2})
        self.assertFalse(self.market.calls_of("ship_order"))
        self.assertEqual(binding.ship_state, "none")
        backorder = binding.sale_order_id.picking_ids - picking
        self.deliver(backorder)
        self.assertEqual(len(self.market.calls_of("ship_order")), 1)
        self.assertEqual(binding.ship_state, "done")
        self.assertEqual(self.market.orders[order_id]["state"], "SHIPPED")

    def test_each_delivery_is_declared_where_the_marketplace_ships_per_delivery(self):
        self.market.ships_per_delivery = True
        order_id, binding, picking = self.import_one(("FK-RED", 2), ("FK-BLUE", 1))
        red_line, blue_line = f"{order_id}-1", f"{order_id}-2"
        self.deliver(picking, {self.product["FK-RED"]: 2}, tracking="FK-1")
        self.assertTrue(picking.mp_shipment_sent)
        self.assertEqual(binding.ship_state, "partial")
        ((_id, first),) = self.market.calls_of("ship_order")
        self.assertEqual(first.lines, {red_line: 2})
        self.assertEqual(first.declared, {})
        self.assertEqual(self.market.orders[order_id]["state"], "PARTIALLY_SHIPPED")
        # the answer was lost and the delivery is declared again: the
        # marketplace already holds it, nothing more is shipped
        picking.mp_shipment_sent = False
        self.click(binding._queue_shipment, picking)
        self.assertTrue(picking.mp_shipment_sent)
        self.assertEqual(len(self.market.shipments), 1)
        self.assertIn("already", picking.message_ids[0].body)
        backorder = binding.sale_order_id.picking_ids - picking
        self.deliver(backorder, tracking="FK-2")
        last = self.market.calls_of("ship_order")[-1][1]
        self.assertEqual(last.lines, {blue_line: 1})
        self.assertEqual(last.declared, {red_line: 2})
        self.assertEqual(last.tracking_number, "FK-2")
        self.assertEqual(binding.ship_state, "done")
        self.assertEqual(self.market.orders[order_id]["state"], "SHIPPED")

    def test_a_shipment_without_tracking_waits_for_one(self):
        order_id, binding, picking = self.import_one(("FK-RED", 1))
        self.deliver(picking, tracking=False)
        self.assertEqual(binding.ship_state, "error")
        self.assertIn("tracking", binding.ship_error)
        self.assertFalse(self.market.calls_of("ship_order"))
        picking.carrier_tracking_ref = "FK-LATE"
        self.click(picking.action_mp_retry_shipment)
        self.assertEqual(binding.ship_state, "done")
        self.assertEqual(self.market.shipments[0][1].tracking_number, "FK-LATE")

    def test_a_refused_shipment_is_kept_on_the_delivery_with_a_retry(self):
        order_id, binding, picking = self.import_one(("FK-RED", 1))
        # the buyer cancelled meanwhile: the marketplace refuses the shipment
        self.market.set_state(order_id, "CANCELLED")
        self.deliver(picking)
        self.assertEqual(binding.ship_state, "error")
        self.assertIn("CANCELLED", binding.ship_error)
        self.assertEqual(picking.mp_ship_state, "error")
        self.assertIn("refused the shipment", picking.message_ids[0].body)
        # support reopened it: the retry goes through
        self.market.set_state(order_id, "TO_SHIP")
        self.click(picking.action_mp_retry_shipment)
        self.assertEqual(binding.ship_state, "done")

    def test_a_shipment_before_acceptance_is_retried_until_accepted(self):
        self.backend.accept_mode = "manual"
        binding = self.import_order(("FK-RED", 1), state="WAITING_ACCEPTANCE")
        order_id = binding.external_id
        picking = binding.sale_order_id.picking_ids
        picking.carrier_id = self.carrier
        picking.carrier_tracking_ref = "FK-EARLY"
        picking.move_ids.write({"quantity": 1, "picked": True})
        with self.trap_jobs() as trap:
            picking._action_done()
            stats = self.run_jobs(trap, rounds=1)
            self.assertEqual(stats["retried"], 1)
            self.assertEqual(binding.ship_state, "pending")
            self.assertIn("cannot ship yet", self.events("retry").message)
            binding.action_accept()
            self.run_jobs(trap)
        self.assertEqual(binding.accept_state, "accepted")
        self.assertEqual(binding.ship_state, "done")
        self.assertEqual(self.market.orders[order_id]["state"], "SHIPPED")


class TestFakeCancellation(FakeConnectorCase):
    def test_a_cancellation_on_the_marketplace_cancels_the_sale_order(self):
        binding = self.import_order(("FK-RED", 1))
        order_id = binding.external_id
        self.assertEqual(binding.sale_order_id.state, "sale")
        self.market.set_state(order_id, "CANCELLED")
        self.import_orders()
        self.assertEqual(binding.marketplace_state, "CANCELLED")
        self.assertEqual(binding.order_status, "cancelled")
        self.assertEqual(binding.state, "done")
        self.assertEqual(binding.sale_order_id.state, "cancel")
        self.assertIn(
            "Cancelled because",
            " ".join(binding.sale_order_id.message_ids.mapped("body")),
        )

    def test_an_order_to_decide_cancelled_on_the_marketplace_needs_no_decision(self):
        binding = self.import_order(("FK-RED", STOCK + 1), state="WAITING_ACCEPTANCE")
        order_id = binding.external_id
        self.assertEqual(binding.accept_state, "to_decide")
        self.market.set_state(order_id, "CANCELLED")
        self.import_orders()
        self.assertEqual(binding.accept_state, "none")
        self.assertFalse(binding.activity_ids)
        self.assertEqual(binding.sale_order_id.state, "cancel")

    def test_a_cancellation_after_the_delivery_left_is_for_staff(self):
        binding = self.import_order(("FK-RED", 1))
        order_id = binding.external_id
        picking = binding.sale_order_id.picking_ids
        # the shipment declaration fails for now: the order stays open there
        self.market.fail("ship_order", RemoteError("maintenance", status=400))
        self.deliver(picking)
        self.market.set_state(order_id, "CANCELLED")
        self.import_orders()
        self.assertEqual(binding.state, "error")
        self.assertIn(picking.name, binding.error_message)
        self.assertEqual(binding.sale_order_id.state, "sale")

    def test_the_seller_refusing_an_order_cancels_it_on_both_sides(self):
        # the base's way for the seller to cancel: refuse the order while it
        # waits for acceptance (no cancel verb after acceptance)
        self.backend.accept_mode = "manual"
        binding = self.import_order(("FK-RED", 1), state="WAITING_ACCEPTANCE")
        order_id = binding.external_id
        self.click(binding.sale_order_id.action_mp_refuse)
        self.assertEqual(self.market.orders[order_id]["state"], "REFUSED")
        self.assertEqual(binding.sale_order_id.state, "cancel")
        self.assertFalse(self.market.calls_of("cancel_order"))
        # the next import agrees
        self.import_orders()
        self.assertEqual(binding.order_status, "refused")
        self.assertEqual(binding.accept_state, "refused")
