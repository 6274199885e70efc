"""The one product rule of the order import and the listing import
(``services/product_resolver.py``)."""

from mphub.canonical import OrderLine
from mphub.offers import Listing

from odoo.tests import tagged

from ..services.order_errors import OrderError
from ..services.product_resolver import ProductKey, ProductResolver
from ..services.sale_order_builder import SaleOrderBuilder
from .fake_common import FakeConnectorCase


@tagged("post_install", "-at_install")
class TestProductResolver(FakeConnectorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        products = cls.env["product.product"]
        cls.red, cls.blue = cls.product["FK-RED"], cls.product["FK-BLUE"]
        cls.other_company = cls.env["res.company"].create({"name": "Other shop"})
        cls.foreign = products.create(
            {
                "name": "Other company's product",
                "default_code": "FOREIGN-1",
                "barcode": "4006381333931",
                "company_id": cls.other_company.id,
            }
        )
        cls.archived = products.create(
            {"name": "Archived", "default_code": "GONE-1", "active": False}
        )
        cls.twins = products.create(
            [{"name": f"Twin {i}", "default_code": "TWIN-1"} for i in (1, 2)]
        )

    def offer(self, product, sku, **values):
        return self.env["mp.offer.binding"].create(
            {
                "backend_id": self.backend.id,
                "product_id": product.id,
                "seller_sku": sku,
                **values,
            }
        )

    def resolve(self, *keys):
        return ProductResolver(self.backend).candidates(keys)

    def test_sku_then_reference_then_ean_then_marketplace_id(self):
        self.offer(self.blue, "MP-BLUE-OFFER", marketplace_product_id="MPID-7")
        found = self.resolve(
            # an offer of the account wins over the internal reference
            ProductKey("MP-BLUE-OFFER"),
            ProductKey("FK-RED"),
            # a listing may give several EANs: any of them matches
            ProductKey("UNKNOWN-1", eans=("0000000000000", self.red.barcode)),
            ProductKey("UNKNOWN-2", marketplace_product_id="MPID-7"),
            ProductKey(
                "UNKNOWN-3", eans=("1234567890128",), marketplace_product_id="X"
            ),
        )
        self.assertEqual(found["MP-BLUE-OFFER"], self.blue)
        self.assertEqual(found["FK-RED"], self.red)
        self.assertEqual(found["UNKNOWN-1"], self.red)
        self.assertEqual(found["UNKNOWN-2"], self.blue)
        self.assertFalse(found["UNKNOWN-3"])

    def test_the_first_step_that_finds_decides(self):
        # the offer says blue although the SKU is red's internal reference
        self.offer(self.blue, "FK-RED")
        found = self.resolve(ProductKey("FK-RED", eans=(self.red.barcode,)))
        self.assertEqual(found["FK-RED"], self.blue)

    def test_only_active_products_of_the_accounts_company(self):
        found = self.resolve(
            ProductKey("FOREIGN-1"),
            ProductKey("UNKNOWN-4", eans=(self.foreign.barcode,)),
            ProductKey("GONE-1"),
        )
        self.assertFalse(found["FOREIGN-1"])
        # the order side's EAN lookup used to ignore the company
        self.assertFalse(found["UNKNOWN-4"])
        self.assertFalse(found["GONE-1"])

    def test_several_products_are_ambiguous_on_both_sides(self):
        self.assertEqual(self.resolve(ProductKey("TWIN-1"))["TWIN-1"], self.twins)
        listing = Listing(sku="TWIN-1")
        matches = self.env["mp.listing.review"]._match(self.backend, [listing])
        self.assertEqual(matches["TWIN-1"], self.twins)
        builder = SaleOrderBuilder(self.backend, store=None)
        line = OrderLine(external_id="1", sku="TWIN-1", quantity=1, unit_price=1)
        with self.assertRaises(OrderError) as caught:
            builder.products_for([line])
        self.assertEqual(caught.exception.kind, "product")
        self.assertIn("several products", str(caught.exception))

    def test_order_lines_and_listings_follow_the_same_rule(self):
        self.offer(self.blue, "MP-BLUE-2", marketplace_product_id="MPID-9")
        line = OrderLine(
            external_id="1",
            sku="NEW-SKU",
            quantity=1,
            unit_price=1,
            marketplace_product_id="MPID-9",
        )
        builder = SaleOrderBuilder(self.backend, store=None)
        self.assertEqual(builder.products_for([line])["NEW-SKU"], self.blue)
        listing = Listing(sku="NEW-SKU", marketplace_product_id="MPID-9")
        matches = self.env["mp.listing.review"]._match(self.backend, [listing])
        self.assertEqual(matches["NEW-SKU"], self.blue)

    def test_one_query_per_step_whatever_the_batch_size(self):
        def queries(count):
            keys = [
                ProductKey(
                    f"NONE-{count}-{i}",
                    eans=(f"EAN{count}{i}",),
                    marketplace_product_id=f"MP-{count}-{i}",
                )
                for i in range(count)
            ]
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            ProductResolver(self.backend).candidates(keys)
            return self.env.cr.sql_log_count - before

        self.assertEqual(queries(3), queries(30))

    def test_a_resolver_answers_a_sku_once(self):
        resolver = ProductResolver(self.backend)
        resolver.candidates([ProductKey("FK-RED")])
        before = self.env.cr.sql_log_count
        again = resolver.candidates([ProductKey("FK-RED"), ProductKey("FK-RED")])
        self.assertEqual(self.env.cr.sql_log_count, before)
        self.assertEqual(again["FK-RED"], self.red)
