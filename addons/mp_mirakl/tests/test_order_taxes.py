"""VAT of Mirakl orders: chosen from the books, checked against OR11's
amounts, whatever OR11 leaves out (a tax's rate is optional)."""

from odoo import Command
from odoo.tests import tagged

from odoo.addons.mp_connector_base.tests.common import RawOrdersMixin

from .common import MiraklCommon


def or11_line(index, sku, price_unit, quantity, taxes, shipping=0, shipping_taxes=()):
    price = round(price_unit * quantity, 2)
    return {
        "order_line_id": f"L-{index}",
        "order_line_state": "SHIPPING",
        "offer_sku": sku,
        "product_title": sku,
        "quantity": quantity,
        "price_unit": price_unit,
        "price": price,
        "shipping_price": shipping,
        "taxes": list(taxes),
        "shipping_taxes": list(shipping_taxes),
    }


def or11_order(order_id, lines, state="SHIPPING", **changes):
    price = round(sum(line["price"] for line in lines), 2)
    shipping = round(sum(line["shipping_price"] for line in lines), 2)
    address = {
        "firstname": "Jeanne",
        "lastname": "Martin",
        "street_1": "12 rue des Lilas",
        "zip_code": "69003",
        "city": "Lyon",
        "country_iso_code": "FRA",
    }
    order = {
        "order_id": order_id,
        "order_state": state,
        "created_date": "2026-11-30T10:00:00Z",
        "last_updated_date": "2026-11-30T10:05:00Z",
        "currency_iso_code": "EUR",
        "order_tax_mode": "TAX_INCLUDED",
        "price": price,
        "shipping_price": shipping,
        "total_price": round(price + shipping, 2),
        "customer": {
            "customer_id": f"C-{order_id}",
            "firstname": "Jeanne",
            "lastname": "Martin",
            "billing_address": dict(address),
            "shipping_address": dict(address),
        },
        "order_lines": lines,
    }
    order.update(changes)
    return order


@tagged("post_install", "-at_install")
class TestOrderTaxes(RawOrdersMixin, MiraklCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.france = cls.env.ref("base.fr")
        cls.vat20, cls.vat55, cls.vat10 = (
            cls.sale_vat(rate, cls.france) for rate in (20, 5.5, 10)
        )
        product = cls.env["product.product"]
        cls.gadget, cls.book, cls.food = (
            product.create(
                {"name": name, "default_code": code, "taxes_id": [Command.set(t.ids)]}
            )
            for name, code, t in (
                ("Tax gadget", "TAX-GADGET", cls.vat20),
                ("Tax book", "TAX-BOOK", cls.vat55),
                ("Tax food", "TAX-FOOD", cls.vat10),
            )
        )
        # the shipping product's taxes say nothing: the line's product speaks
        cls.backend.shipping_product_id.taxes_id = False

    def assert_done_with_taxes(self, binding, expected):
        self.assertEqual(binding.state, "done", binding.error_message)
        order = binding.sale_order_id
        self.assertAlmostEqual(order.amount_total, binding.amount_total, places=2)
        self.assertFalse(binding.amount_mismatch)
        got = [(line.product_id, line.tax_id) for line in order.order_line]
        self.assertEqual(got, expected)

    def test_rateless_low_priced_free_and_mixed_lines(self):
        """Rates absent, amounts so small that several rates round alike, a
        free line: every line gets its product's tax, the total is exact."""
        raw = or11_order(
            "TAX-1",
            [
                # 20 % of 0.50 is 0.083; 5.5 % of 0.99 is 0.052 (5 %: 0.047)
                or11_line(1, "TAX-GADGET", 0.50, 1, [{"code": "TVA", "amount": 0.08}]),
                or11_line(2, "TAX-BOOK", 0.99, 1, [{"code": "TVA", "amount": 0.05}]),
                or11_line(3, "TAX-GADGET", 0, 1, [{"code": "TVA", "amount": 0}]),
                or11_line(
                    4,
                    "TAX-FOOD",
                    1.10,
                    3,
                    [{"code": "TVA", "amount": 0.30}],
                    shipping=2.40,
                    shipping_taxes=[{"code": "TVA", "amount": 0.22}],
                ),
            ],
        )
        binding = self.process(raw)
        shipping = self.backend.shipping_product_id
        self.assert_done_with_taxes(
            binding,
            [
                (self.gadget, self.vat20),
                (self.book, self.vat55),
                (self.gadget, self.vat20),
                (self.food, self.vat10),
                # no tax on the shipping product: the line's product's tax
                (shipping, self.vat10),
            ],
        )
        self.assertAlmostEqual(binding.sale_order_id.amount_total, 7.19, places=2)

    def test_stated_rate_wins_over_the_product_and_a_code_maps(self):
        raw = or11_order(
            "TAX-2",
            [
                # the gadget is sold at 5.5 % here (the operator says so)
                or11_line(
                    1,
                    "TAX-GADGET",
                    10.55,
                    1,
                    [{"code": "TVA_55", "amount": 0.55, "rate": 5.5}],
                ),
                or11_line(2, "TAX-BOOK", 21.10, 1, [{"code": "R10", "amount": 1.92}]),
            ],
        )
        self.backend.tax_mapping_ids = [
            Command.create({"code": "R10", "tax_id": self.vat10.id})
        ]
        binding = self.process(raw)
        gadget, book = binding.sale_order_id.order_line
        # a French sales tax of 5.5 % (the catalogue has one too)
        self.assertEqual(gadget.tax_id.mapped("amount"), [5.5])
        self.assertEqual(gadget.tax_id.country_id, self.france)
        self.assertEqual(book.tax_id, self.vat10)

    def test_no_consistent_tax_is_an_error_a_replay_mends(self):
        raw = or11_order(
            "TAX-3",
            [
                or11_line(1, "TAX-GADGET", 21.70, 1, [{"code": "TVA", "amount": 1.70}]),
            ],
        )
        binding = self.process(raw)
        self.assertEqual(binding.state, "error")
        self.assertEqual(binding.error_kind, "config")
        message = binding.error_message
        for part in ("Line 1", "TAX-GADGET", "1.70", "21.70", "20%", "replay"):
            self.assertIn(part, message)
        self.assertNotIn("Invalid order data", message)
        # 1.70 on 21.70 is 8.5 %: a rate of the French overseas departments
        vat85 = self.sale_vat(8.5, self.france)
        binding.action_replay()
        self.assert_done_with_taxes(binding, [(self.gadget, vat85)])

    def test_orders_that_need_no_sale_order_are_skipped_not_errors(self):
        line = or11_line(1, "TAX-GADGET", 12.0, 1, [{"amount": 2.0, "rate": 20}])
        cancelled = or11_order("TAX-C1", [dict(line)], state="CANCELED")
        refused = or11_order("TAX-C2", [dict(line)], state="REFUSED")
        closed = or11_order("TAX-C3", [dict(line)], state="CLOSED")
        # a closed or refused order may have lost its customer data
        del closed["customer"], refused["customer"]["shipping_address"]
        bindings = self.process(cancelled, refused, closed)
        self.assertEqual(bindings.mapped("state"), ["skipped"] * 3)
        self.assertFalse(bindings.sale_order_id)
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.order_error_count, 0)

    def test_payload_with_nul_characters_is_kept_as_received(self):
        raw = or11_order(
            "TAX-NUL",
            [or11_line(1, "TAX-GADGET", 12.0, 1, [{"amount": 2.0, "rate": 20}])],
        )
        raw["customer"]["shipping_address"]["street_2"] = "Bât. B\x00"
        raw["customer"]["lastname"] = "Mar\x00tin"
        binding = self.process(raw)
        self.assertEqual(binding.state, "done", binding.error_message)
        self.assertEqual(binding._raw(), raw)
        self.assertIn("\\u0000", binding.raw_payload_text)
        delivery = binding.sale_order_id.partner_shipping_id
        self.assertEqual(delivery.street2, "Bât. B")

    def test_hostile_values_are_errors_naming_the_field(self):
        line = or11_line(1, "TAX-GADGET", 12.0, 1, [{"amount": 2.0, "rate": 20}])
        raw = or11_order("TAX-BAD", [line], created_date="9999-12-31T23:59:59Z")
        raw["order_lines"][0]["quantity"] = "1e400"
        raw["currency_iso_code"] = " "
        binding = self.process(raw)
        self.assertEqual((binding.state, binding.error_kind), ("error", "data"))
        for field in ("created_date", "quantity", "currency_iso_code"):
            self.assertIn(field, binding.error_message)
