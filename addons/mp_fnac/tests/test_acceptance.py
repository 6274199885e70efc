"""Acceptance on Fnac: decisions of many orders go out together, at most 25
orders per orders_update call, each order's outcome read from the answer."""

from .common import FnacCommon

ACCEPTED = ("Accepted", "ToShip")


class TestFnacAcceptance(FnacCommon):
    def state(self, order_id):
        return self.record(order_id)["state"]

    def decide(self, action, *records):
        with self.trap_jobs() as trap:
            for record in records:
                getattr(record, action)()
            self.run_jobs(trap)

    def test_sixty_orders_are_accepted_in_three_calls(self):
        self.backend.accept_mode = "always"
        order_ids = self.create_orders(60, multi_line_share=0.5)
        before = self.calls("orders_update")
        self.import_orders()
        # 25 + 25 + 10 orders
        self.assertEqual(len(self.bindings()), 60)
        self.assertEqual(self.calls("orders_update") - before, 3)
        for order_id in order_ids:
            binding = self.binding(order_id)
            self.assertEqual(binding.accept_state, "accepted", binding.accept_error)
            self.assertIn(self.state(order_id), ACCEPTED)
            decisions = self.record(order_id)["decisions"]
            self.assertEqual(set(decisions.values()), {"Accepted"}, order_id)
            self.assertEqual(
                sorted(decisions),
                sorted(
                    binding.sale_order_id.order_line.filtered(
                        "mp_line_external_id"
                    ).mapped("mp_line_external_id")
                ),
            )
        # the next import sees them accepted and sends nothing
        self.import_orders()
        self.assertEqual(self.calls("orders_update") - before, 3)
        for order_id in order_ids:
            self.assertEqual(self.binding(order_id).accept_state, "accepted")

    def test_an_order_fnac_refuses_keeps_its_reason_the_others_go(self):
        self.backend.accept_mode = "manual"
        order_ids = self.create_orders(4)
        self.import_orders()
        bindings = self.bindings()
        self.assertEqual(set(bindings.mapped("accept_state")), {"to_decide"})
        # the buyer cancelled one meanwhile: Fnac refuses its acceptance
        cancelled = order_ids[0]
        self.fnac.set_order_state(self.shop, cancelled, "Cancelled")
        before = self.calls("orders_update")
        self.decide("action_accept", *bindings)
        self.assertEqual(self.calls("orders_update") - before, 1)
        refused = self.binding(cancelled)
        self.assertEqual(refused.accept_state, "error")
        self.assertIn("Cancelled", refused.accept_error)
        self.assertEqual(self.state(cancelled), "Cancelled")
        for order_id in order_ids[1:]:
            self.assertEqual(self.binding(order_id).accept_state, "accepted")
            self.assertIn(self.state(order_id), ACCEPTED)

    def test_staff_refuse_and_accept_by_hand(self):
        self.backend.accept_mode = "manual"
        first, second, third = self.create_orders(3)
        self.import_orders()
        self.decide("action_refuse", self.binding(first))
        self.assertEqual(self.binding(first).accept_state, "refused")
        self.assertEqual(self.state(first), "Refused")
        self.assertEqual(self.binding(first).sale_order_id.state, "cancel")
        # accepted in Fnac's back office meanwhile: accepting it here again
        # is a success (Fnac shows it accepted)
        binding = self.binding(second)
        self.backend._get_client().accept_order(
            second, dict.fromkeys(binding._line_ids(), True)
        )
        self.decide(
            "action_mp_accept", binding.sale_order_id, self.binding(third).sale_order_id
        )
        for order_id in (second, third):
            self.assertEqual(self.binding(order_id).accept_state, "accepted")
            self.assertIn(self.state(order_id), ACCEPTED)
