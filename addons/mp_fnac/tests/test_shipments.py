"""Shipments declared to Fnac when Odoo's deliveries leave: the whole order
once its last delivery is done (confirm_to_send of every live line), with
the carrier and the tracking number; several orders in one call."""

from .common import FnacCommon

PLAIN = {"relay_share": 0, "company_share": 0}


class TestFnacShipments(FnacCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        carriers = cls.env["delivery.carrier"]
        cls.colissimo = carriers.search([("name", "=ilike", "Colissimo")], limit=1)
        if not cls.colissimo:
            product = cls.env["product.product"].create(
                {"name": "Colissimo shipping", "type": "service"}
            )
            cls.colissimo = carriers.create(
                {"name": "Colissimo", "product_id": product.id}
            )
        # Fnac's carriers, mapped to the shipping methods named after them
        cls.backend._fetch_carriers()
        cls.mapping = cls.backend.carrier_mapping_ids.filtered(
            lambda m: m.carrier_id == cls.colissimo
        )

    def imported(self, count=1, **options):
        """Orders imported and accepted (stock covers them); their bindings."""
        order_ids = self.create_orders(count, **{**PLAIN, **options})
        self.import_orders()
        bindings = self.bindings().filtered(lambda b: b.external_id in order_ids)
        self.assertEqual(len(bindings), count)
        for binding in bindings:
            self.assertEqual(binding.state, "done", binding.error_message)
            self.assertEqual(binding.accept_state, "accepted", binding.accept_error)
        return bindings

    def deliver(self, picking, tracking, quantities=None):
        """Validate ``picking`` (all of it, or ``quantities``: sale line ->
        quantity, leaving a backorder for the rest)."""
        picking.carrier_id = self.colissimo
        picking.carrier_tracking_ref = tracking
        for move in picking.move_ids:
            move.quantity = (
                move.product_uom_qty
                if quantities is None
                else quantities.get(move.sale_line_id, 0)
            )
            move.picked = True
        picking.with_context(skip_backorder=True)._action_done()

    def test_the_carrier_is_mapped_from_fnacs_list(self):
        self.assertEqual(len(self.mapping), 1)
        self.assertEqual(self.mapping.marketplace_code, "COLISSIMO")

    def test_a_delivery_ships_the_order_with_carrier_and_tracking(self):
        binding = self.imported()
        order_id = binding.external_id
        self.assertEqual(self.record(order_id)["state"], "ToShip")
        with self.trap_jobs() as trap:
            self.deliver(binding.sale_order_id.picking_ids, "6A00000000001")
            self.run_jobs(trap)
        self.assertEqual(binding.ship_state, "done", binding.ship_error)
        record = self.record(order_id)
        self.assertEqual(record["state"], "Shipped")
        for line in record["lines"]:
            self.assertEqual(line["tracking_number"], "6A00000000001")
            self.assertIn(line["tracking_company"], ("COLISSIMO", "Colissimo"))
        self.assertTrue(self.fnac.shipments(self.shop, order_id))

    def test_the_order_ships_with_its_last_delivery(self):
        binding = self.imported(multi_line_share=1.0)
        order_id = binding.external_id
        picking = binding.sale_order_id.picking_ids
        first, *others = binding.sale_order_id.order_line.filtered(
            "mp_line_external_id"
        )
        self.assertTrue(others)
        before = self.calls("orders_update")
        with self.trap_jobs() as trap:
            self.deliver(picking, "6A00000000002", {first: first.product_uom_qty})
            self.run_jobs(trap)
        # a part left: Fnac ships orders whole, nothing is told yet
        self.assertEqual(self.calls("orders_update"), before)
        self.assertEqual(self.record(order_id)["state"], "ToShip")
        backorder = binding.sale_order_id.picking_ids - picking
        with self.trap_jobs() as trap:
            self.deliver(backorder, "6A00000000003")
            self.run_jobs(trap)
        self.assertEqual(binding.ship_state, "done", binding.ship_error)
        record = self.record(order_id)
        self.assertEqual(record["state"], "Shipped")
        self.assertEqual(
            {line["tracking_number"] for line in record["lines"]}, {"6A00000000003"}
        )

    def test_deliveries_of_several_orders_go_in_one_call(self):
        bindings = self.imported(3)
        before = self.calls("orders_update")
        with self.trap_jobs() as trap:
            for index, binding in enumerate(bindings):
                self.deliver(binding.sale_order_id.picking_ids, f"6A0000000010{index}")
            self.run_jobs(trap)
        self.assertEqual(self.calls("orders_update") - before, 1)
        for binding in bindings:
            self.assertEqual(binding.ship_state, "done", binding.ship_error)
            self.assertEqual(self.record(binding.external_id)["state"], "Shipped")

    def test_a_refused_shipment_is_kept_with_its_reason(self):
        shipped, cancelled = self.imported(2)
        # the buyer cancelled one on Fnac meanwhile: its shipment is refused,
        # the other's goes through in the same call
        self.fnac.set_order_state(self.shop, cancelled.external_id, "Cancelled")
        with self.trap_jobs() as trap:
            for binding in (shipped, cancelled):
                self.deliver(binding.sale_order_id.picking_ids, "6A0000000020")
            self.run_jobs(trap)
        self.assertEqual(cancelled.ship_state, "error")
        self.assertIn("Cancelled", cancelled.ship_error)
        self.assertIn(cancelled.external_id, cancelled.ship_error)
        self.assertFalse(self.fnac.shipments(self.shop, cancelled.external_id))
        self.assertEqual(shipped.ship_state, "done", shipped.ship_error)
        self.assertEqual(self.record(shipped.external_id)["state"], "Shipped")
