"""VAT of Amazon orders: Amazon gives tax amounts, never rates. The tax
comes from the books (product, fiscal position, destination country) and
the amount only checks it, also on prices so low that rates round alike."""

from odoo import Command
from odoo.tests import tagged

from odoo.addons.mp_connector_base.tests.common import RawOrdersMixin

from .common import AmazonCommon


def money(amount):
    return {"CurrencyCode": "EUR", "Amount": f"{amount:.2f}"}


def amazon_item(index, sku, price, tax, quantity=1, shipping=None):
    item = {
        "OrderItemId": f"{index:014d}",
        "SellerSKU": sku,
        "ASIN": f"B0TAX{index:05d}",
        "Title": sku,
        "QuantityOrdered": quantity,
        "ItemPrice": money(price),
        "ItemTax": money(tax),
    }
    if shipping:
        item["ShippingPrice"] = money(shipping[0])
        item["ShippingTax"] = money(shipping[1])
    return item


def amazon_order(order_id, items, country="FR", status="Unshipped"):
    total = sum(
        float(i["ItemPrice"]["Amount"])
        + float(i.get("ShippingPrice", money(0))["Amount"])
        for i in items
    )
    return {
        "AmazonOrderId": order_id,
        "PurchaseDate": "2026-11-30T10:00:00Z",
        "LastUpdateDate": "2026-11-30T10:05:00Z",
        "OrderStatus": status,
        "FulfillmentChannel": "MFN",
        "SalesChannel": "Amazon.fr",
        "MarketplaceId": "A13V1IB3VIYZZH",
        "OrderTotal": money(total),
        "ShippingAddress": {
            "Name": "Erika Muster",
            "AddressLine1": "Hauptstrasse 1",
            "City": "Berlin" if country == "DE" else "Lyon",
            "PostalCode": "10115" if country == "DE" else "69003",
            "CountryCode": country,
        },
        "BuyerInfo": {"BuyerEmail": f"{order_id}@marketplace.amazon.fr"},
        "OrderItems": items,
    }


@tagged("post_install", "-at_install")
class TestOrderTaxes(RawOrdersMixin, AmazonCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.france = cls.env.ref("base.fr")
        cls.germany = cls.env.ref("base.de")

        cls.fr20, cls.fr55 = cls.sale_vat(20, cls.france), cls.sale_vat(5.5, cls.france)
        cls.de19, cls.de7 = cls.sale_vat(19, cls.germany), cls.sale_vat(7, cls.germany)
        # distance sales to Germany: German VAT (OSS)
        cls.oss_de = cls.env["account.fiscal.position"].create(
            {
                "name": "OSS Germany (test)",
                "auto_apply": True,
                "country_id": cls.germany.id,
                "tax_ids": [
                    Command.create(
                        {"tax_src_id": cls.fr20.id, "tax_dest_id": cls.de19.id}
                    ),
                    Command.create(
                        {"tax_src_id": cls.fr55.id, "tax_dest_id": cls.de7.id}
                    ),
                ],
            }
        )
        product = cls.env["product.product"]
        cls.gadget = product.create(
            {
                "name": "Tax gadget",
                "default_code": "AMZ-TAX-GADGET",
                "taxes_id": [Command.set(cls.fr20.ids)],
            }
        )
        cls.book = product.create(
            {
                "name": "Tax book",
                "default_code": "AMZ-TAX-BOOK",
                "taxes_id": [Command.set(cls.fr55.ids)],
            }
        )
        cls.backend.shipping_product_id.taxes_id = cls.fr20

    def taxes_of(self, binding):
        self.assertEqual(binding.state, "done", binding.error_message)
        order = binding.sale_order_id
        self.assertAlmostEqual(order.amount_total, binding.amount_total, places=2)
        self.assertFalse(binding.amount_mismatch)
        return [line.tax_id for line in order.order_line]

    def test_low_prices_in_france_take_the_products_rate(self):
        # 5 % and 5.5 % of 1.00 both round to 0.05: the book's 5.5 % wins
        binding = self.process(
            amazon_order(
                "402-0000000-0000001",
                [
                    amazon_item(1, "AMZ-TAX-BOOK", 1.00, 0.05),
                    amazon_item(2, "AMZ-TAX-GADGET", 0.50, 0.08),
                    amazon_item(3, "AMZ-TAX-GADGET", 0.00, 0.00),
                ],
            )
        )
        self.assertEqual(self.taxes_of(binding), [self.fr55, self.fr20, self.fr20])
        self.assertEqual(binding.sale_order_id.fiscal_position_id.id, False)

    def test_low_prices_to_germany_take_the_oss_rates(self):
        # 19 % and 20 % of 0.50 both round to 0.08; 6 % and 7 % of 1.00 to
        # 0.06 or 0.07: the fiscal position of the destination decides
        binding = self.process(
            amazon_order(
                "402-0000000-0000002",
                [
                    amazon_item(1, "AMZ-TAX-GADGET", 0.50, 0.08, shipping=(1.00, 0.16)),
                    amazon_item(2, "AMZ-TAX-BOOK", 1.00, 0.07),
                ],
                country="DE",
            )
        )
        self.assertEqual(self.taxes_of(binding), [self.de19, self.de7, self.de19])
        self.assertEqual(binding.sale_order_id.fiscal_position_id, self.oss_de)

    def test_amount_no_candidate_explains_then_replays(self):
        # 1.67 on 10.00 is 20 %: wrong for a book sold to Germany (7 %)
        raw = amazon_order(
            "402-0000000-0000003",
            [amazon_item(1, "AMZ-TAX-BOOK", 10.00, 1.67)],
            country="DE",
        )
        binding = self.process(raw)
        self.assertEqual((binding.state, binding.error_kind), ("error", "config"))
        for part in ("Line 1", "AMZ-TAX-BOOK", "1.67", "10.00", "7%", "Germany"):
            self.assertIn(part, binding.error_message)
        de20 = self.sale_vat(20, self.germany)
        binding.action_replay()
        self.assertEqual(self.taxes_of(binding), [de20])

    def test_cancelled_and_declined_orders_are_skipped(self):
        item = amazon_item(1, "AMZ-TAX-GADGET", 12.00, 2.00)
        cancelled = amazon_order("402-0000000-0000004", [dict(item)], status="Canceled")
        # Amazon gives no prices for orders cancelled before payment
        del cancelled["OrderTotal"]
        for key in ("ItemPrice", "ItemTax"):
            del cancelled["OrderItems"][0][key]
        pending = amazon_order("402-0000000-0000005", [dict(item)], status="Pending")
        del pending["OrderTotal"]
        for key in ("ItemPrice", "ItemTax"):
            del pending["OrderItems"][0][key]
        bindings = self.process(cancelled, pending)
        self.assertEqual(bindings.mapped("state"), ["skipped", "skipped"])
        # the payment of the pending order is declined: Amazon cancels it
        declined = dict(pending, OrderStatus="Canceled")
        declined["LastUpdateDate"] = "2026-11-30T11:00:00Z"
        binding = self.process(declined)
        self.assertEqual(binding.state, "skipped")
        self.assertEqual(binding.order_status, "cancelled")
        self.assertFalse(bindings.sale_order_id)
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.order_error_count, 0)
