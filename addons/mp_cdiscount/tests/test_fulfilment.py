from odoo.addons.mp_connector_base.services.fulfilment import warehouse_code

from .common import CdiscountCommon

SHIP_OPERATIONS = ("shipOrder", "ValidateOrderList")


class FulfilmentCases:
    """Orders Cdiscount ships from its own stock, on the class's API."""

    def test_fulfilment_orders_are_delivered_from_cdiscount_stock(self):
        numbers = self.create_orders(4, fulfilment_share=1.0)
        self.assertEqual(
            {self.record(n)["supply_mode"] for n in numbers}, {"Fulfillment"}
        )
        self.import_orders()
        bindings = self.bindings()
        self.assertEqual(sorted(bindings.mapped("external_id")), sorted(numbers))
        warehouse = self.backend.cdiscount_fulfilment_warehouse_id
        self.assertTrue(warehouse)
        self.assertIn("Cdiscount Fulfilment", warehouse.name)
        for binding in bindings:
            self.assertTrue(binding.marketplace_state.startswith("FBC:"))
            order = self.assert_sale_order_as_cdiscount(binding)
            self.assertEqual(binding.ship_state, "done")
            self.assertEqual(order.warehouse_id, warehouse)
            self.assertTrue(order.picking_ids)
            self.assertEqual(set(order.picking_ids.mapped("state")), {"done"})
        # our own stock did not move, nothing was declared to Cdiscount
        quants = self.env["stock.quant"].search(
            [
                ("location_id", "child_of", self.warehouse.lot_stock_id.id),
                ("product_id", "in", self.products.ids),
            ]
        )
        self.assertEqual(set(quants.mapped("quantity")), {50.0})
        for operation in SHIP_OPERATIONS:
            self.assertEqual(self.cdiscount.stats.calls(operation), 0, operation)
        # one warehouse per account, told in its chatter
        self.assertEqual(self.backend._cdiscount_fulfilment_warehouse(), warehouse)
        self.assertTrue(
            any(warehouse.name in (m.body or "") for m in self.backend.message_ids)
        )

    def test_fulfilment_warehouse_codes_do_not_collide(self):
        # a warehouse of the company already has the code the account's id
        # gives: the fulfilment warehouse takes another one
        code = warehouse_code("FBC", self.backend.id)
        self.env["stock.warehouse"].create(
            {"name": f"Taken {code}", "code": code, "company_id": self.env.company.id}
        )
        warehouse = self.backend._cdiscount_fulfilment_warehouse()
        self.assertNotEqual(warehouse.code, code)
        self.assertLessEqual(len(warehouse.code), 5)
        other = self._create_backend("Cdiscount other")
        other_warehouse = other._cdiscount_fulfilment_warehouse()
        self.assertNotEqual(other_warehouse, warehouse)
        self.assertNotEqual(other_warehouse.code, warehouse.code)


class TestRestFulfilment(FulfilmentCases, CdiscountCommon):
    generation = "rest"


class TestSoapFulfilment(FulfilmentCases, CdiscountCommon):
    generation = "soap"
