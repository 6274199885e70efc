from odoo import Command

from .common import AmazonCommon


class TestAmazonShipment(AmazonCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.colissimo = cls._create_carrier("Colissimo test")
        cls.backend.carrier_mapping_ids = [
            Command.create(
                {"carrier_id": cls.colissimo.id, "marketplace_code": "Colissimo"}
            )
        ]

    def deliver(self, picking, quantities, tracking):
        """Validate ``picking`` with ``quantities`` (product -> qty), leaving
        a backorder for the rest."""
        picking.carrier_id = self.colissimo
        picking.carrier_tracking_ref = tracking
        for move in picking.move_ids:
            move.quantity = quantities.get(move.product_id, 0)
            move.picked = True
        with self.trap_jobs() as trap:
            picking.with_context(skip_backorder=True)._action_done()
            self.run_jobs(trap)

    def test_partial_then_full_shipment(self):
        (order_id,) = self.create_orders(1, lines=(2, 2))
        self.import_orders()
        binding = self.bindings()
        order = binding.sale_order_id
        first, second = order.order_line.filtered(lambda line: line.mp_line_external_id)
        picking = order.picking_ids
        self.deliver(picking, {first.product_id: first.product_uom_qty}, "6A001")
        self.assertTrue(picking.mp_shipment_sent)
        self.assertEqual(binding.ship_state, "partial")
        record = self.amazon.order_record(order_id)
        self.assertEqual(record["status"], "PartiallyShipped")
        package = record["shipments"][0]["packageDetail"]
        self.assertEqual(package["carrierCode"], "Colissimo")
        self.assertEqual(package["trackingNumber"], "6A001")
        self.assertEqual(
            package["orderItems"],
            [
                {
                    "orderItemId": first.mp_line_external_id,
                    "quantity": int(first.product_uom_qty),
                }
            ],
        )
        # the answer was lost and the delivery is declared again: Amazon's
        # shipped quantity already holds it, nothing more is sent
        picking.mp_shipment_sent = False
        with self.trap_jobs() as trap:
            binding._queue_shipment(picking)
            self.run_jobs(trap)
        self.assertTrue(picking.mp_shipment_sent)
        self.assertEqual(len(self.amazon.order_record(order_id)["shipments"]), 1)
        backorder = order.picking_ids - picking
        self.assertEqual(len(backorder), 1)
        self.deliver(backorder, {second.product_id: second.product_uom_qty}, "6A002")
        self.assertEqual(binding.ship_state, "done")
        self.assertEqual(self.amazon.order_record(order_id)["status"], "Shipped")

    def test_refused_shipment_is_kept_on_the_picking_with_a_retry(self):
        (order_id,) = self.create_orders(1, lines=(1, 1))
        self.import_orders()
        binding = self.bindings()
        order = binding.sale_order_id
        # the buyer cancelled on Amazon meanwhile: the shipment is refused
        self.amazon.set_order_status(order_id, "Canceled")
        picking = order.picking_ids
        line = order.order_line.filtered(lambda line: line.mp_line_external_id)
        self.deliver(picking, {line.product_id: line.product_uom_qty}, "6A003")
        self.assertEqual(binding.ship_state, "error")
        self.assertIn("Canceled", binding.ship_error)
        self.assertEqual(picking.mp_ship_state, "error")
        self.assertFalse(picking.mp_shipment_sent)
        # back to Unshipped on Amazon (support reopened it): retry works
        self.amazon.set_order_status(order_id, "Unshipped")
        with self.trap_jobs() as trap:
            picking.action_mp_retry_shipment()
            self.run_jobs(trap)
        self.assertEqual(binding.ship_state, "done")
        self.assertTrue(picking.mp_shipment_sent)
