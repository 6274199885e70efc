from odoo.tests import HttpCase, tagged

from .test_accounts import make_b2b_company, make_b2b_user


@tagged("post_install", "-at_install")
class TestDocuments(HttpCase):
    """Deliveries, invoices and credit notes of B2B orders, the open balance."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.product = cls.env["product.product"].create(
            {
                "name": "B2B Documents Test Socket",
                "type": "consu",
                "list_price": 50.0,
                "invoice_policy": "order",
                "taxes_id": [(5, 0, 0)],
            }
        )
        cls.company_a = make_b2b_company(cls.env, "Documents Company A")
        cls.company_b = make_b2b_company(cls.env, "Documents Company B")
        cls.buyer_a = make_b2b_user(cls.env, cls.company_a, "b2b.doc.a.buyer")
        cls.viewer_a = make_b2b_user(
            cls.env, cls.company_a, "b2b.doc.a.viewer", "viewer"
        )
        cls.buyer_b = make_b2b_user(cls.env, cls.company_b, "b2b.doc.b.buyer")
        cls.order = cls.env["sale.order"].create(
            {
                "partner_id": cls.buyer_a.partner_id.id,
                "order_line": [
                    (0, 0, {"product_id": cls.product.id, "product_uom_qty": 4})
                ],
            }
        )
        cls.order.action_confirm()
        cls.invoice = cls.order._create_invoices()
        cls.invoice.action_post()
        cls.refund = cls.invoice._reverse_moves(
            [{"ref": "Damaged socket", "invoice_date": cls.invoice.invoice_date}]
        )
        cls.refund.invoice_line_ids.quantity = 1
        cls.refund.action_post()

    def test_order_page_documents(self):
        self.assertIn(self.refund, self.order.invoice_ids)
        for login in ("b2b.doc.a.buyer", "b2b.doc.a.viewer"):
            self.authenticate(login, login)
            response = self.url_open(f"/my/orders/{self.order.id}")
            self.assertEqual(response.status_code, 200, login)
            block = response.text.split("o_b2b_documents")[1]
            self.assertIn(self.invoice.name, block)
            self.assertIn(self.refund.name, block)
            self.assertIn("Credit note", block)
            self.assertIn(f"/my/invoices/{self.refund.id}", block)
            self.assertIn("download=true", block)
            # The invoice link works for the company's users.
            pdf = self.url_open(f"/my/invoices/{self.invoice.id}")
            self.assertEqual(pdf.status_code, 200, login)

    def test_other_company_sees_nothing(self):
        self.authenticate("b2b.doc.b.buyer", "b2b.doc.b.buyer")
        response = self.url_open(f"/my/orders/{self.order.id}")
        self.assertNotIn(self.invoice.name, response.text)
        self.assertNotIn("o_b2b_open_balance", self.url_open("/my").text)

    def test_delivery_carrier_and_tracking(self):
        picking = self.order.picking_ids
        self.assertEqual(len(picking), 1)
        if "carrier_id" not in picking._fields:
            self.skipTest("stock_delivery is not installed")
        service = self.env["product.product"].create(
            {"name": "B2B Express Service", "type": "service"}
        )
        carrier = self.env["delivery.carrier"].create(
            {"name": "B2B Express", "product_id": service.id}
        )
        picking.write({"carrier_id": carrier.id, "carrier_tracking_ref": "TRK-42-B2B"})
        self.authenticate("b2b.doc.a.buyer", "b2b.doc.a.buyer")
        page = self.url_open(f"/my/orders/{self.order.id}").text
        self.assertIn("o_b2b_carrier", page)
        self.assertIn("B2B Express", page)
        self.assertIn("TRK-42-B2B", page)

    def test_open_balance_on_my(self):
        due = self.invoice.amount_residual - self.refund.amount_residual
        self.assertGreater(due, 0)
        self.authenticate("b2b.doc.a.buyer", "b2b.doc.a.buyer")
        page = self.url_open("/my").text
        block = page.split("o_b2b_open_balance")[1].split("</div>")[0]
        self.assertIn("Documents Company A", block)
        self.assertIn("(1 open invoice(s))", block)
        self.assertIn(f"{due:.2f}".replace(".00", ""), block.replace(",", ""))
        # Paid: no more balance.
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=(self.invoice | self.refund).ids
        ).create({"group_payment": True})._create_payments()
        self.assertNotIn("o_b2b_open_balance", self.url_open("/my").text)
