from unittest.mock import patch
from urllib.parse import urlencode

from lxml import html

from odoo.tests import HttpCase, TransactionCase, tagged

from odoo.addons.website.models.mixins import WebsiteSearchableMixin

from ..controllers import main as shop_controller

WORD = "Zorbulax"
COUNT = 45


def _names(response):
    """The product names listed on a shop page, in order."""
    tree = html.fromstring(response.content)
    return [
        " ".join(node.text_content().split())
        for node in tree.xpath("//*[contains(@class, 'o_wsale_products_item_title')]")
    ]


def _active_page(response):
    tree = html.fromstring(response.content)
    active = tree.xpath(
        "//ul[contains(@class, 'pagination')]//li[contains(@class, 'active')]"
    )
    return " ".join(active[0].text_content().split()) if active else None


@tagged("post_install", "-at_install")
class TestShopPaging(HttpCase):
    """The shop's page is fetched in SQL: same products, pager, filters and
    search results as stock website_sale, without loading the catalogue."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.website = cls.env["website"].get_current_website()
        cls.website.write({"b2b_only": False, "shop_ppg": 20})
        shop_controller._shop_cache.clear()
        cls.category = cls.env["product.public.category"].create(
            {"name": f"{WORD} Category"}
        )
        cls.attribute = cls.env["product.attribute"].create(
            {
                "name": f"{WORD} Colour",
                "create_variant": "no_variant",
                "value_ids": [(0, 0, {"name": "Ochre"}), (0, 0, {"name": "Teal"})],
            }
        )
        values = []
        for number in range(1, COUNT + 1):
            values.append(
                {
                    "name": f"{WORD} {number:03d}",
                    "default_code": f"ZRB-{number:03d}",
                    "list_price": 10.0 + number,
                    "sale_ok": True,
                    "is_published": True,
                    "website_id": False,
                    "website_sequence": 900000 + number,
                    "public_categ_ids": [(6, 0, cls.category.ids)],
                }
            )
        cls.products = cls.env["product.template"].create(values)
        # only the last product (page 3) has the attribute
        cls.products[-1].attribute_line_ids = [
            (
                0,
                0,
                {
                    "attribute_id": cls.attribute.id,
                    "value_ids": [(6, 0, cls.attribute.value_ids.ids)],
                },
            )
        ]
        cls.category_url = f"/shop/category/{cls.env['ir.http']._slug(cls.category)}"

    def _open(self, path, **params):
        return self.url_open(f"{path}?{urlencode(params)}" if params else path)

    def test_pages_and_pager_of_a_category(self):
        first = self.url_open(self.category_url)
        self.assertEqual(first.status_code, 200)
        self.assertEqual(_names(first), [f"{WORD} {n:03d}" for n in range(1, 21)])
        self.assertEqual(_active_page(first), "1")
        third = self.url_open(f"{self.category_url}/page/3")
        self.assertEqual(_names(third), [f"{WORD} {n:03d}" for n in range(41, 46)])
        self.assertEqual(_active_page(third), "3")
        # beyond the last page: the last one, as in stock website_sale
        beyond = self.url_open(f"{self.category_url}/page/9")
        self.assertEqual(_names(beyond), _names(third))
        self.assertEqual(_active_page(beyond), "3")

    def test_attributes_of_all_matches_not_only_the_page(self):
        first = self.url_open(self.category_url)
        self.assertIn(f"{WORD} Colour", first.text)
        filtered = self._open(
            self.category_url,
            attribute_value=f"{self.attribute.id}-{self.attribute.value_ids[0].id}",
        )
        self.assertEqual(_names(filtered), [f"{WORD} {COUNT:03d}"])

    def test_search_by_name_reference_and_variant_reference(self):
        response = self._open("/shop", search=WORD.lower(), ppg=50)
        self.assertEqual(len(_names(response)), COUNT)
        by_code = self._open("/shop", search="ZRB-044")
        self.assertEqual(_names(by_code), [f"{WORD} 044"])
        variant = self.products[10].product_variant_id
        variant.default_code = "ZRBVAR-777"
        by_variant = self._open("/shop", search="zrbvar-777")
        self.assertEqual(_names(by_variant), [f"{WORD} 011"])
        two_words = self._open("/shop", search=f"{WORD} 007")
        self.assertEqual(_names(two_words), [f"{WORD} 007"])

    def test_search_pages_and_categories(self):
        second = self._open("/shop/page/2", search=WORD)
        self.assertEqual(_names(second), [f"{WORD} {n:03d}" for n in range(21, 41)])
        self.assertEqual(_active_page(second), "2")
        # the categories of the matches are offered beside the results
        self.assertIn(f"{WORD} Category", second.text)

    def test_fuzzy_search_when_nothing_matches_exactly(self):
        response = self._open("/shop", search="zorbulux", ppg=50)
        self.assertEqual(len(_names(response)), COUNT)
        self.assertIn(WORD.lower(), response.text.lower())

    @patch.object(shop_controller, "SHOP_CACHE_IN_TESTS", True)
    def test_a_new_product_shows_at_once_despite_the_cache(self):
        shop_controller._shop_cache.clear()
        before = self._open("/shop", search=WORD, ppg=100)
        self.assertEqual(len(_names(before)), COUNT)
        self.env["product.template"].create(
            {
                "name": f"{WORD} 999",
                "sale_ok": True,
                "is_published": True,
                "website_id": False,
                "website_sequence": 999999,
            }
        )
        after = self._open("/shop", search=WORD, ppg=100)
        self.assertEqual(len(_names(after)), COUNT + 1)
        self.assertIn(f"{WORD} 999", _names(after))
        # the same search again comes from the cache, with the same answer
        cached = len(shop_controller._shop_cache)
        again = self._open("/shop", search=WORD, ppg=100)
        self.assertEqual(len(_names(again)), COUNT + 1)
        self.assertEqual(len(shop_controller._shop_cache), cached)


@tagged("post_install", "-at_install")
class TestSearchDomain(TransactionCase):
    """The search made of one indexed query per field finds what website's
    OR of the fields finds."""

    def test_same_matches_as_the_or_of_the_fields(self):
        Product = self.env["product.template"]
        Product.create(
            [
                {"name": "Qwixel lamp", "default_code": "QX-1"},
                {"name": "Desk", "default_code": "QWIXEL-2"},
                {"name": "Chair", "description_sale": "a qwixel chair"},
                {"name": "Table"},
            ]
        )
        fields = ["name", "default_code", "product_variant_ids.default_code"]
        fields += ["description", "description_sale"]
        for search in ("qwixel", "QX-1", "qwixel chair", "nothing-like-it", "%"):
            with self.subTest(search=search):
                ours = Product._search_build_domain([], search, fields)
                stock = WebsiteSearchableMixin._search_build_domain(
                    Product, [], search, fields
                )
                self.assertEqual(
                    set(Product.search(ours).ids), set(Product.search(stock).ids)
                )

    def test_trigram_indexes(self):
        if not self.env.registry.has_trigram:
            self.skipTest("pg_trgm is not available in this database")
        self.env.cr.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname IN %s",
            [
                (
                    "product_template__name_index",
                    "product_template__default_code_b2b_trgm",
                    "product_product__default_code_b2b_trgm",
                    "product_template__description_sale_index",
                    "product_template__b2b_shop_order",
                )
            ],
        )
        self.assertEqual(len(self.env.cr.fetchall()), 5)
