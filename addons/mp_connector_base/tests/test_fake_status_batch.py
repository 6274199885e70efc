"""Status exports sent several orders per call (``status_batch_size`` above
1, ``services/status_batch.py``), through the fake connector: one call per
chunk of waiting orders, each order's outcome applied to that order alone,
retries and lost answers."""

from datetime import timedelta

from mphub.errors import TransientError

from odoo import fields

from .fake_common import FakeConnectorCase


class FakeBatchCase(FakeConnectorCase):
    """The fake marketplace takes 25 orders per acceptance or shipment."""

    def setUp(self):
        super().setUp()
        self.market.status_batch_size = 25

    def sizes(self, verb):
        """The number of orders of each call of ``verb``."""
        return [len(orders) for (orders,) in self.market.calls_of(verb)]

    def sent_ids(self, verb):
        return [
            order_id
            for (orders,) in self.market.calls_of(verb)
            for order_id, _argument in orders
        ]

    def waiting(self, count):
        """``count`` orders waiting for acceptance, imported for staff to
        decide; their bindings."""
        self.backend.accept_mode = "manual"
        for _i in range(count):
            self.market.add_order(("FK-RED", 1), state="WAITING_ACCEPTANCE")
        self.import_orders()
        bindings = self.bindings()
        self.assertEqual(set(bindings.mapped("accept_state")), {"to_decide"})
        return bindings.sorted("id")


class TestFakeBatchedAcceptance(FakeBatchCase):
    def test_sixty_acceptances_of_one_import_go_in_three_calls(self):
        self.backend.accept_mode = "always"
        orders = [
            self.market.add_order(("FK-RED", 1), state="WAITING_ACCEPTANCE")
            for _i in range(60)
        ]
        self.import_orders()
        self.assertEqual(self.sizes("accept_orders"), [25, 25, 10])
        self.assertFalse(self.market.calls_of("accept_order"))
        # each order sent once, with its decision
        self.assertCountEqual(self.sent_ids("accept_orders"), orders)
        first, decisions = self.market.calls_of("accept_orders")[0][0][0]
        self.assertEqual(decisions, {f"{first}-1": True})
        bindings = self.bindings()
        self.assertEqual(len(bindings), 60)
        self.assertEqual(set(bindings.mapped("accept_state")), {"accepted"})
        self.assertEqual(bindings.filtered("accept_decisions"), bindings.browse())
        self.assertEqual(
            {self.market.orders[order]["state"] for order in orders}, {"TO_SHIP"}
        )
        self.assertIn(
            "Order accepted on the marketplace.",
            bindings[0].sale_order_id.message_ids.mapped("body")[0],
        )

    def test_a_refusal_lands_on_its_order_only_and_waits_for_a_retry(self):
        bindings = self.waiting(25)
        refused = bindings[7]
        # the buyer cancelled it meanwhile: the marketplace refuses it alone
        self.market.set_state(refused.external_id, "CANCELLED")
        self.click(bindings.action_accept)
        self.assertEqual(self.sizes("accept_orders"), [25])
        self.assertEqual(refused.accept_state, "error")
        self.assertIn("CANCELLED", refused.accept_error)
        self.assertFalse(refused.accept_decisions)
        others = bindings - refused
        self.assertEqual(set(others.mapped("accept_state")), {"accepted"})
        self.assertEqual(len(self.events("export_error")), 1)
        self.assertEqual(self.events("export_error").order_binding_id, refused)
        # support reopened it: the retry button sends it alone
        self.market.set_state(refused.external_id, "WAITING_ACCEPTANCE")
        self.click(refused.action_retry_export)
        self.assertEqual(self.sizes("accept_orders"), [25, 1])
        self.assertEqual(refused.accept_state, "accepted")
        self.assertFalse(refused.accept_error)

    def test_a_transient_failure_of_the_call_is_retried_with_nothing_written(self):
        bindings = self.waiting(3)
        self.market.fail("accept_orders", TransientError("503", retry_after=1))
        before = self.events()
        with self.trap_jobs() as trap:
            bindings.action_accept()
            stats = self.run_jobs(trap, rounds=1)
            self.assertEqual(stats["retried"], 1)
            self.assertEqual(set(bindings.mapped("accept_state")), {"pending"})
            self.assertTrue(all(bindings.mapped("accept_decisions")))
            # only the retry is journaled
            self.assertEqual(self.events() - before, self.events("retry"))
            self.assertIn("503", self.events("retry").message)
            self.assertEqual(
                {self.market.orders[b.external_id]["state"] for b in bindings},
                {"WAITING_ACCEPTANCE"},
            )
            self.run_jobs(trap)
        self.assertEqual(self.sizes("accept_orders"), [3, 3])
        self.assertEqual(set(bindings.mapped("accept_state")), {"accepted"})
        self.assertEqual(
            {self.market.orders[b.external_id]["state"] for b in bindings},
            {"TO_SHIP"},
        )

    def test_a_call_whose_answer_was_lost_is_sent_again_and_found_done(self):
        bindings = self.waiting(3)
        self.market.lost_answers = 1
        self.click(bindings.action_refuse)
        self.assertEqual(self.sizes("accept_orders"), [3, 3])
        self.assertEqual(self.job_stats["retried"], 1)
        self.assertEqual(set(bindings.mapped("accept_state")), {"refused"})
        for binding in bindings:
            self.assertEqual(binding.sale_order_id.state, "cancel")
            notes = binding.sale_order_id.message_ids.mapped("body")
            self.assertIn("(it already was)", " ".join(notes))
            self.assertEqual(
                self.market.orders[binding.external_id]["state"], "REFUSED"
            )

    def test_one_order_per_call_stays_one_job_per_order(self):
        self.market.status_batch_size = 1
        bindings = self.waiting(3)
        self.click(bindings.action_accept)
        self.assertFalse(self.market.calls_of("accept_orders"))
        self.assertCountEqual(
            [order_id for order_id, _decisions in self.market.calls_of("accept_order")],
            bindings.mapped("external_id"),
        )
        self.assertEqual(set(bindings.mapped("accept_state")), {"accepted"})
        self.assertFalse(bindings.filtered("accept_decisions"))


class TestFakeBatchedShipment(FakeBatchCase):
    def ship_all(self, count):
        """``count`` orders imported to ship, their deliveries validated
        together; their bindings."""
        for _i in range(count):
            self.market.add_order(("FK-BLUE", 1))
        self.import_orders()
        bindings = self.bindings().sorted("id")
        pickings = bindings.sale_order_id.picking_ids
        for picking in pickings:
            picking.carrier_id = self.carrier
            picking.carrier_tracking_ref = f"TRK-{picking.id}"
            picking.move_ids.write({"quantity": 1, "picked": True})
        return bindings, pickings

    def test_shipments_go_in_calls_of_twenty_five(self):
        bindings, pickings = self.ship_all(30)
        with self.trap_jobs() as trap:
            pickings._action_done()
            self.job_stats = self.run_jobs(trap)
        self.assertEqual(self.sizes("ship_orders"), [25, 5])
        self.assertFalse(self.market.calls_of("ship_order"))
        self.assertEqual(set(bindings.mapped("ship_state")), {"done"})
        self.assertFalse(bindings.ship_picking_id)
        for order_id, shipment in self.market.shipments:
            binding = bindings.filtered(lambda b, o=order_id: b.external_id == o)
            picking = binding.sale_order_id.picking_ids
            self.assertEqual(shipment.tracking_number, picking.carrier_tracking_ref)
            self.assertEqual(shipment.carrier_code, "FAKEPOST")
            self.assertIn(picking.carrier_tracking_ref, picking.message_ids[0].body)
        self.assertEqual(len(self.market.shipments), 30)

    def test_an_order_not_ready_waits_alone_then_is_given_up(self):
        bindings, pickings = self.ship_all(3)
        late, late_again = bindings[1], bindings[2]
        # not paid yet on the marketplace: "cannot ship yet, retry in 60 s"
        for binding in late | late_again:
            self.market.set_state(binding.external_id, "PAYMENT_PENDING")
        with self.trap_jobs() as trap:
            pickings._action_done()
            self.run_jobs(trap)
        self.assertEqual(self.sizes("ship_orders"), [3])
        self.assertEqual(bindings[0].ship_state, "done")
        for binding in late | late_again:
            self.assertEqual(binding.ship_state, "pending")
            self.assertEqual(binding.ship_attempts, 1)
            self.assertGreater(
                binding.ship_retry_at, fields.Datetime.now() + timedelta(seconds=50)
            )
        self.assertEqual(len(self.events("retry")), 2)
        # not due yet: nothing is sent
        self.click(self.backend._job_export_status_batch, "ship")
        self.assertEqual(self.sizes("ship_orders"), [3])
        # the first is paid now; the other still is not, at its last attempt
        self.market.set_state(late.external_id, "TO_SHIP")
        past = fields.Datetime.now() - timedelta(seconds=1)
        late.ship_retry_at = past
        late_again.write({"ship_retry_at": past, "ship_attempts": 14})
        self.click(self.backend._job_export_status_batch, "ship")
        self.assertEqual(self.sizes("ship_orders"), [3, 2])
        self.assertEqual(late.ship_state, "done")
        self.assertEqual(late_again.ship_state, "error")
        self.assertIn("cannot ship yet", late_again.ship_error)
        self.assertIn("15 attempts", late_again.ship_error)
        # the delivery's retry button sends it again, from the first attempt
        self.market.set_state(late_again.external_id, "TO_SHIP")
        picking = late_again.sale_order_id.picking_ids
        self.click(picking.action_mp_retry_shipment)
        self.assertEqual(self.sizes("ship_orders"), [3, 2, 1])
        self.assertEqual(late_again.ship_state, "done")
        self.assertEqual(late_again.ship_attempts, 0)
