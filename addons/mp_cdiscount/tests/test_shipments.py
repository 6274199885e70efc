"""Shipments declared to Cdiscount when Odoo's deliveries leave.

The Octopia REST API takes partial shipments: each delivery declares the
order lines it completes, with the parcel number, the carrier's name and the
tracking URL. The SOAP API ships whole orders: the order is declared shipped
once, with its last delivery. Fulfilment orders are Cdiscount's to ship.
"""

from odoo import Command

from .common import CdiscountCommon

PLAIN = {
    "fulfilment_share": 0,
    "xdock_share": 0,
    "fee_line_share": 0,
    "same_sku_share": 0,
    "relay_share": 0,
}
SHIP_OPERATIONS = ("shipOrder", "ValidateOrderList")


class ShipmentCases:
    """What both API generations do with a delivery."""

    # Odoo runs the test methods a class inherits only when told to
    allow_inherited_tests_method = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        carriers = cls.env["delivery.carrier"]
        if not carriers.search([("name", "=ilike", "Colissimo")]):
            product = cls.env["product.product"].create(
                {"name": "Colissimo shipping", "type": "service"}
            )
            carriers.create({"name": "Colissimo", "product_id": product.id})
        # the carriers Cdiscount lists, mapped to the shipping methods named
        # after them (the account's "Fetch carriers")
        cls.backend._fetch_carriers()
        cls.mapping = cls.backend.carrier_mapping_ids.filtered(
            lambda m: m.marketplace_code == cls.colissimo_code
        )
        cls.colissimo = cls.mapping.carrier_id

    def order_with(self, predicate, **options):
        """Create orders one by one (the emulator's data is deterministic)
        until one's record satisfies ``predicate``; its number."""
        for _attempt in range(40):
            (number,) = self.create_orders(1, **{**PLAIN, **options})
            if predicate(self.record(number)):
                return number
        raise AssertionError("the emulator made no such order")

    def imported(self, number):
        """Import the orders; the binding of ``number``, accepted on
        Cdiscount as the account decided (stock covers it)."""
        self.import_orders()
        binding = self.bindings().filtered(lambda b: b.external_id == number)
        self.assertEqual(binding.state, "done", binding.error_message)
        self.assertEqual(binding.accept_state, "accepted")
        return binding

    def deliver(self, picking, quantities, tracking):
        """Validate ``picking`` with ``quantities`` (sale line -> quantity),
        leaving a backorder for the rest; run the jobs it queues."""
        picking.carrier_id = self.colissimo
        picking.carrier_tracking_ref = tracking
        for move in picking.move_ids:
            move.quantity = quantities.get(move.sale_line_id, 0)
            move.picked = True
        with self.trap_jobs() as trap:
            picking.with_context(skip_backorder=True)._action_done()
            self.run_jobs(trap)

    def product_lines(self, binding):
        return binding.sale_order_id.order_line.filtered("mp_line_external_id")

    def test_carriers_are_mapped_by_name(self):
        self.assertEqual(len(self.mapping), 1)
        self.assertEqual(self.colissimo.name.lower(), "colissimo")

    def test_a_refused_shipment_is_kept_with_its_reason(self):
        number = self.order_with(lambda r: True)
        binding = self.imported(number)
        # the buyer cancelled on Cdiscount meanwhile: the shipment is refused
        self.cdiscount.set_order_state(number, "Cancelled")
        picking = binding.sale_order_id.picking_ids
        lines = self.product_lines(binding)
        self.deliver(picking, {x: x.product_uom_qty for x in lines}, "6C0001")
        self.assertEqual(binding.ship_state, "error")
        self.assertIn("Cancel", binding.ship_error)
        self.assertIn(number, binding.ship_error)
        self.assertEqual(picking.mp_ship_state, "error")
        self.assertFalse(picking.mp_shipment_sent)
        self.assertFalse(self.cdiscount.shipments(number))

    def test_fulfilment_orders_are_never_shipped_by_the_seller(self):
        number = self.order_with(lambda r: True, fulfilment_share=1.0)
        self.import_orders()
        binding = self.bindings()
        self.assertEqual(binding.external_id, number)
        self.assertEqual(binding.ship_state, "done")
        picking = binding.sale_order_id.picking_ids
        self.assertEqual(set(picking.mapped("state")), {"done"})
        # what Cdiscount shipped itself (its own parcel, once Shipped)
        shipments = self.cdiscount.shipments(number)
        # even asked to (a retry by hand), the connector refuses to declare
        # it: Cdiscount ships it from its own stock
        binding.ship_state = False
        picking.mp_shipment_sent = False
        with self.trap_jobs() as trap:
            binding._queue_shipment(picking)
            self.run_jobs(trap)
        self.assertEqual(binding.ship_state, "error")
        self.assertIn("fulfil", binding.ship_error.lower())
        self.assertEqual(self.cdiscount.shipments(number), shipments)
        for operation in SHIP_OPERATIONS:
            self.assertEqual(self.cdiscount.stats.calls(operation), 0, operation)


class TestRestShipments(ShipmentCases, CdiscountCommon):
    generation = "rest"
    colissimo_code = "COL"

    def test_each_delivery_declares_the_lines_it_completes(self):
        number = self.order_with(
            lambda r: len(r["lines"]) >= 2 and r["lines"][0]["quantity"] >= 2,
            multi_line_share=1.0,
        )
        binding = self.imported(number)
        picking = binding.sale_order_id.picking_ids
        first, *others = self.product_lines(binding)
        # part of the first line: Cdiscount ships lines whole, nothing sent
        self.deliver(picking, {first: 1}, "6C0001")
        self.assertTrue(picking.mp_shipment_sent)
        self.assertFalse(self.cdiscount.shipments(number))
        self.assertEqual(binding.ship_state, "partial")
        # the rest of the first line: that line is declared
        second = binding.sale_order_id.picking_ids - picking
        self.deliver(second, {first: first.product_uom_qty - 1}, "6C0002")
        (shipment,) = self.cdiscount.shipments(number)
        self.assertEqual(shipment["line_ids"], [first.mp_line_external_id])
        self.assertEqual(shipment["parcel_number"], "6C0002")
        self.assertEqual(shipment["carrier_name"], "Colissimo")
        self.assertIn("6C0002", shipment["tracking_url"] or "")
        self.assertEqual(binding.ship_state, "partial")
        record = self.record(number)
        self.assertEqual(record["status"], "InPreparation")
        states = {line["line_id"]: line["state"] for line in record["lines"]}
        self.assertEqual(states[first.mp_line_external_id], "Shipped")
        # the answer was lost and the delivery is declared again: Cdiscount
        # shows the line shipped already, nothing more is sent
        second.mp_shipment_sent = False
        with self.trap_jobs() as trap:
            binding._queue_shipment(second)
            self.run_jobs(trap)
        self.assertTrue(second.mp_shipment_sent)
        self.assertEqual(len(self.cdiscount.shipments(number)), 1)
        # the other lines leave: the order is shipped
        third = binding.sale_order_id.picking_ids - picking - second
        self.deliver(third, {x: x.product_uom_qty for x in others}, "6C0003")
        shipments = self.cdiscount.shipments(number)
        self.assertEqual(len(shipments), 2)
        self.assertEqual(
            sorted(shipments[1]["line_ids"]),
            sorted(others_line.mp_line_external_id for others_line in others),
        )
        self.assertEqual(binding.ship_state, "done")
        self.assertEqual(self.record(number)["status"], "Shipped")
        self.assertEqual(self.cdiscount.stats.calls("shipOrder"), 2)

    def test_an_unmapped_carrier_goes_by_its_name_and_tracking_page(self):
        self.backend.carrier_mapping_ids = [Command.clear()]
        self.backend.carrier_mapping_ids = [
            Command.create(
                {
                    "carrier_id": self.colissimo.id,
                    "marketplace_name": "Transports Martin",
                    "tracking_url": "https://track.example.com/{tracking}",
                }
            )
        ]
        number = self.order_with(lambda r: True)
        binding = self.imported(number)
        lines = self.product_lines(binding)
        picking = binding.sale_order_id.picking_ids
        self.deliver(picking, {x: x.product_uom_qty for x in lines}, "TM-42")
        (shipment,) = self.cdiscount.shipments(number)
        self.assertEqual(shipment["carrier_name"], "Transports Martin")
        self.assertEqual(shipment["tracking_url"], "https://track.example.com/TM-42")
        self.assertEqual(shipment["parcel_number"], "TM-42")
        self.assertEqual(binding.ship_state, "done")


class TestSoapShipments(ShipmentCases, CdiscountCommon):
    generation = "soap"
    # ValidateOrderList takes the carrier's name: it is the SOAP code
    colissimo_code = "Colissimo"

    def test_the_order_ships_whole_with_its_last_delivery(self):
        number = self.order_with(lambda r: len(r["lines"]) >= 2, multi_line_share=1.0)
        binding = self.imported(number)
        picking = binding.sale_order_id.picking_ids
        first, *others = self.product_lines(binding)
        self.deliver(picking, {first: first.product_uom_qty}, "6C0001")
        # a part of the order left: nothing told, the order waits for the rest
        self.assertFalse(self.cdiscount.shipments(number))
        self.assertEqual(self.cdiscount.stats.calls("ValidateOrderList"), 1)  # accept
        self.assertNotEqual(binding.ship_state, "done")
        backorder = binding.sale_order_id.picking_ids - picking
        self.deliver(backorder, {x: x.product_uom_qty for x in others}, "6C0002")
        self.assertEqual(binding.ship_state, "done")
        record = self.record(number)
        self.assertEqual(record["status"], "Shipped")
        self.assertEqual(record["soap_state"], "Shipped")
        (shipment,) = self.cdiscount.shipments(number)
        self.assertEqual(shipment["parcel_number"], "6C0002")
        self.assertEqual(shipment["carrier_name"], "Colissimo")
        self.assertIn("6C0002", shipment["tracking_url"] or "")
        self.assertEqual(
            sorted(shipment["line_ids"]),
            sorted(line["line_id"] for line in record["lines"]),
        )
        self.assertEqual(self.cdiscount.stats.calls("ValidateOrderList"), 2)
