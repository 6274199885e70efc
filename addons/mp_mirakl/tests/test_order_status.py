from mphub.client import Outcome
from mphub.mirakl.client import MiraklClient

from odoo.tests import new_test_user

from .common import CARREFOUR_KEY, MiraklCommon


class TestOrderStatus(MiraklCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        delivery_product = cls.env["product.product"].create(
            {"name": "Colissimo test", "type": "service"}
        )
        cls.colissimo = cls.env["delivery.carrier"].create(
            {"name": "Colissimo test", "product_id": delivery_product.id}
        )
        cls.backend.carrier_mapping_ids = [
            (0, 0, {"carrier_id": cls.colissimo.id, "marketplace_code": "COLISSIMO"})
        ]
        # a warehouse without stock: its orders wait for a decision
        cls.empty_warehouse = cls.env["stock.warehouse"].create(
            {"name": "Empty", "code": "EMPTY"}
        )

    def marketplace(self, order_id):
        client = MiraklClient(self.sandbox.urls["mirakl"], CARREFOUR_KEY)
        return client.get_orders([order_id])[0]

    def prepare_delivery(self, sale_order, tracking, user=None):
        """The order's delivery, all picked, with carrier and tracking."""
        picking = sale_order.picking_ids.filtered(
            lambda p: p.picking_type_code == "outgoing"
        )
        picking.carrier_id = self.colissimo
        picking.carrier_tracking_ref = tracking
        if user:
            picking = picking.with_user(user)
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        return picking

    def ship(self, sale_order, tracking="6A12345678901", user=None):
        picking = self.prepare_delivery(sale_order, tracking, user)
        with self.trap_jobs() as trap:
            picking.button_validate()
            self.run_jobs(trap)
        return picking

    def test_orders_covered_by_stock_are_accepted(self):
        (order_id,) = self.create_orders(1)
        self.import_orders()
        binding = self.bindings()
        self.assertEqual(binding.accept_state, "accepted")
        self.assertEqual(self.marketplace(order_id)["order_state"], "SHIPPING")
        # the next import sees the order accepted and changes nothing else
        self.import_orders()
        self.assertEqual(binding.marketplace_state, "SHIPPING")
        self.assertEqual(binding.accept_state, "accepted")

    def test_orders_not_covered_wait_for_staff(self):
        self.backend.warehouse_id = self.empty_warehouse
        first, second = self.create_orders(2)
        self.import_orders()
        bindings = {b.external_id: b for b in self.bindings()}
        for binding in bindings.values():
            self.assertEqual(binding.accept_state, "to_decide")
            self.assertTrue(binding.activity_ids)
            self.assertEqual(binding.sale_order_id.state, "sale")
        self.assertEqual(self.marketplace(first)["order_state"], "WAITING_ACCEPTANCE")

        with self.trap_jobs() as trap:
            bindings[first].sale_order_id.action_mp_accept()
            bindings[second].action_refuse()
            self.run_jobs(trap)
        self.assertEqual(bindings[first].accept_state, "accepted")
        self.assertFalse(bindings[first].activity_ids)
        self.assertEqual(self.marketplace(first)["order_state"], "SHIPPING")
        self.assertEqual(bindings[second].accept_state, "refused")
        self.assertEqual(self.marketplace(second)["order_state"], "REFUSED")
        self.assertEqual(bindings[second].sale_order_id.state, "cancel")

    def test_acceptance_already_done_counts_as_success(self):
        self.backend.accept_mode = "manual"
        (order_id,) = self.create_orders(1)
        self.import_orders()
        binding = self.bindings()
        lines = binding._line_ids()
        # someone accepted it in the marketplace back office meanwhile
        client = MiraklClient(self.sandbox.urls["mirakl"], CARREFOUR_KEY)
        self.assertEqual(
            client.accept_order(order_id, dict.fromkeys(lines, True)), Outcome.DONE
        )
        with self.trap_jobs() as trap:
            binding.action_accept()
            self.run_jobs(trap)
        self.assertEqual(binding.accept_state, "accepted")
        self.assertIn("already", binding.sale_order_id.message_ids[0].body)

    def test_shipment_is_declared_with_carrier_and_tracking(self):
        (order_id,) = self.create_orders(1)
        self.import_orders()
        binding = self.bindings()
        picking = self.ship(binding.sale_order_id)
        self.assertEqual(picking.state, "done")
        self.assertEqual(binding.ship_state, "done")
        remote = self.marketplace(order_id)
        self.assertEqual(remote["order_state"], "SHIPPED")
        self.assertEqual(remote["shipping_tracking"], "6A12345678901")
        self.assertEqual(remote["shipping_carrier_code"], "COLISSIMO")
        # sending it again is harmless: already shipped is success
        with self.trap_jobs() as trap:
            binding.ship_state = "error"
            binding.action_retry_export()
            self.run_jobs(trap)
        self.assertEqual(binding.ship_state, "done")
        self.assertIn("already", picking.message_ids[0].body)

    def test_shipment_without_tracking_is_kept_in_error(self):
        self.create_orders(1)
        self.import_orders()
        binding = self.bindings()
        picking = self.ship(binding.sale_order_id, tracking=False)
        self.assertEqual(binding.ship_state, "error")
        self.assertIn("tracking", binding.ship_error)
        self.assertEqual(picking.mp_ship_state, "error")
        picking.carrier_tracking_ref = "6A999"
        with self.trap_jobs() as trap:
            picking.action_mp_retry_shipment()
            self.run_jobs(trap)
        self.assertEqual(binding.ship_state, "done")

    def test_shipment_waits_until_the_order_can_ship(self):
        self.backend.accept_mode = "manual"
        (order_id,) = self.create_orders(1)
        self.import_orders()
        binding = self.bindings()
        picking = self.prepare_delivery(binding.sale_order_id, "6A777")
        with self.trap_jobs() as trap:
            picking.button_validate()
            # shipped before being accepted: the marketplace refuses for now
            stats = self.run_jobs(trap, rounds=1)
            self.assertEqual(stats["retried"], 1)
            self.assertEqual(binding.ship_state, "pending")
            retry = self.env["mp.sync.event"].search(
                [("backend_id", "=", self.backend.id), ("event_type", "=", "retry")]
            )
            self.assertIn("not ready to ship", retry.message)
            # once accepted, the pending retry goes through
            binding.action_accept()
            self.run_jobs(trap)
        self.assertEqual(binding.accept_state, "accepted")
        self.assertEqual(binding.ship_state, "done")
        self.assertEqual(self.marketplace(order_id)["order_state"], "SHIPPED")

    def test_a_warehouse_user_ships_without_marketplace_rights(self):
        (order_id,) = self.create_orders(1)
        self.import_orders()
        binding = self.bindings()
        warehouse_user = new_test_user(
            self.env, login="mp_stock_only", groups="stock.group_stock_user"
        )
        self.assertFalse(
            warehouse_user.has_group("mp_connector_base.group_mp_connector_base_user")
        )
        self.ship(binding.sale_order_id, "6A55", user=warehouse_user)
        self.assertEqual(binding.ship_state, "done")
        self.assertEqual(self.marketplace(order_id)["order_state"], "SHIPPED")
