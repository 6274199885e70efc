from odoo.tests import TransactionCase, tagged

from .test_accounts import make_b2b_company, make_b2b_user


@tagged("post_install", "-at_install")
class TestShipmentMail(TransactionCase):
    """A B2B customer is told when its order ships, with the carrier and the
    tracking number; other customers get what Odoo's own setting says."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.stock_move_email_validation = False
        cls.product = cls.env["product.product"].create(
            {"name": "B2B Shipment Test Drill", "is_storable": True, "list_price": 90}
        )
        warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.env["stock.quant"]._update_available_quantity(
            cls.product, warehouse.lot_stock_id, 10
        )
        cls.carrier = cls.env["delivery.carrier"].create(
            {
                "name": "B2B Test Carrier",
                "product_id": cls.env["product.product"]
                .create({"name": "B2B Test Carrier", "type": "service"})
                .id,
                "tracking_url": "https://track.example.com/<shipmenttrackingnumber>",
            }
        )
        b2b = make_b2b_company(cls.env, "Shipment Company")
        cls.buyer = make_b2b_user(cls.env, b2b, "b2b.ship.buyer")
        cls.other = cls.env["res.partner"].create(
            {"name": "Retail Customer", "email": "retail@example.com"}
        )

    def ship(self, partner):
        order = self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [
                    (0, 0, {"product_id": self.product.id, "product_uom_qty": 2})
                ],
            }
        )
        order.action_confirm()
        picking = order.picking_ids
        picking.carrier_id = self.carrier
        picking.carrier_tracking_ref = "6A0042"
        picking.move_ids.quantity = 2
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        return order, picking

    def shipped_messages(self, picking):
        return picking.message_ids.filtered(
            lambda m: "has shipped" in (m.subject or "")
        )

    def test_b2b_customer_gets_carrier_and_tracking(self):
        order, picking = self.ship(self.buyer.partner_id)
        message = self.shipped_messages(picking)
        self.assertEqual(len(message), 1)
        self.assertIn(order.name, message.subject)
        self.assertIn("B2B Test Carrier", message.body)
        self.assertIn("6A0042", message.body)
        self.assertIn("https://track.example.com/6A0042", message.body)
        self.assertIn(self.buyer.partner_id, message.partner_ids)

    def test_other_customers_and_the_company_setting(self):
        _order, picking = self.ship(self.other)
        self.assertFalse(self.shipped_messages(picking))
        # with Odoo's own delivery mail on, a B2B customer gets that one only
        self.company.stock_move_email_validation = True
        _order, picking = self.ship(self.buyer.partner_id)
        self.assertFalse(self.shipped_messages(picking))
