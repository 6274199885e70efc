"""The offer layer without the marketplace: marks, quantities, prices,
diffs and listing matching."""

from datetime import timedelta
from decimal import Decimal

from mphub.offers import Listing, round_price

from odoo import Command, fields

from .common import BOULANGER_KEY, MiraklCommon


class TestOfferPolicy(MiraklCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.boulanger = cls._create_backend(
            "Boulanger test", "boulanger", BOULANGER_KEY
        )
        cls.p1, cls.p2, cls.p3 = cls.products[:3]
        cls.offer1 = cls._offer(cls.backend, cls.p1)
        cls.offer2 = cls._offer(cls.backend, cls.p2)
        cls.offer1_b = cls._offer(cls.boulanger, cls.p1)
        cls.env["mp.offer.dirty"]._flush_marks()
        cls.env["mp.offer.dirty"].search([]).unlink()

    @classmethod
    def _offer(cls, backend, product, **vals):
        return cls.env["mp.offer.binding"].create(
            {
                "backend_id": backend.id,
                "product_id": product.id,
                "seller_sku": product.default_code,
                **vals,
            }
        )

    def marks(self):
        self.env["mp.offer.dirty"]._flush_marks()
        return self.env["mp.offer.dirty"].search([])

    # -- marking -----------------------------------------------------------
    def test_stock_change_marks_the_offers_of_every_account(self):
        with self.trap_jobs() as trap:
            self.env["stock.quant"]._update_available_quantity(
                self.p1, self.warehouse.lot_stock_id, 5
            )
            marks = self.marks()
            self.assertEqual(
                sorted(marks.offer_id.ids), sorted((self.offer1 | self.offer1_b).ids)
            )
            self.assertEqual(
                sorted(j.recordset.id for j in trap.enqueued_jobs),
                sorted((self.backend | self.boulanger).ids),
            )
            self.assertTrue(
                all(j.method_name == "_job_export_offers" for j in trap.enqueued_jobs)
            )
            # a second change while the export waits: no second job
            self.env["stock.quant"]._update_available_quantity(
                self.p2, self.warehouse.lot_stock_id, 5
            )
            self.marks()
            jobs = self.env["queue.job"].search(
                [("method_name", "=", "_job_export_offers"), ("state", "=", "pending")]
            )
            self.assertEqual(len(jobs), 2)
        self.assertTrue(self.offer1.export_pending)
        found = self.env["mp.offer.binding"].search([("export_pending", "=", True)])
        self.assertEqual(found, self.offer1 | self.offer1_b | self.offer2)
        unmarked = self._offer(self.backend, self.p3)
        self.marks().filtered(lambda m: m.offer_id == unmarked).unlink()
        self.assertFalse(unmarked.export_pending)

    def test_reservation_price_and_policy_changes_mark_offers(self):
        self.p2.product_tmpl_id.list_price = 42.0
        self.assertEqual(self.marks().offer_id, self.offer2)
        self.marks().unlink()
        self.backend.stock_buffer = 3
        self.assertEqual(
            sorted(self.marks().offer_id.ids), sorted((self.offer1 | self.offer2).ids)
        )
        self.marks().unlink()
        self.offer1_b.stock_mode = "excluded"
        self.assertEqual(self.marks().offer_id, self.offer1_b)
        self.marks().unlink()
        # a confirmed sale reserves stock: the offers must show less
        order = self.env["sale.order"].create(
            {
                "partner_id": self.env.ref("base.res_partner_2").id,
                "warehouse_id": self.warehouse.id,
                "order_line": [
                    Command.create({"product_id": self.p2.id, "product_uom_qty": 2})
                ],
            }
        )
        order.action_confirm()
        self.assertIn(self.offer2, self.marks().offer_id)

    # -- computing ---------------------------------------------------------
    def test_free_quantity_matches_odoo(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.env.ref("base.res_partner_2").id,
                "warehouse_id": self.warehouse.id,
                "order_line": [
                    Command.create({"product_id": self.p1.id, "product_uom_qty": 7})
                ],
            }
        )
        order.action_confirm()
        free = self.backend._free_quantities(self.products.ids)
        for product in self.products:
            expected = product.with_context(warehouse_id=self.warehouse.id).free_qty
            self.assertEqual(free.get(product.id, 0), expected, product.default_code)
        self.assertEqual(free[self.p1.id], 43)

    def test_quantities_follow_the_policy_and_overrides(self):
        self.backend.write(
            {
                "stock_buffer": 5,
                "stock_percent": 50,
                "stock_max": 20,
                "stock_threshold": 3,
            }
        )
        self.offer2.write({"stock_mode": "fixed", "fixed_quantity": 12})
        offer3 = self._offer(self.backend, self.p3, stock_mode="excluded")
        values = self.backend._compute_offer_values(
            (self.offer1 | self.offer2 | offer3).ids
        )
        self.assertEqual(values[self.offer1.id]["quantity"], 20)  # (50-5)/2=22 -> cap
        self.assertEqual(values[self.offer2.id]["quantity"], 12)
        self.assertEqual(values[offer3.id]["quantity"], 0)
        self.p1.active = False
        values = self.backend._compute_offer_values(self.offer1.ids)
        self.assertEqual(values[self.offer1.id]["quantity"], 0)

    def test_prices_come_tax_included_from_the_pricelist(self):
        company = self.env.company
        rate = company.currency_id._convert(
            1.0, self.eur, company, fields.Date.today(), round=False
        )  # list prices are in the company's currency, the pricelist in EUR

        def price(amount):
            return round_price(amount * rate, "cent")

        self.p1.list_price = 100.0  # sandbox catalogue taxes are included
        values = self.backend._compute_offer_values(self.offer1.ids)
        self.assertEqual(values[self.offer1.id]["price"], price(100.0))
        # a tax excluded from the price is added
        excluded = self.env["account.tax"].create(
            {
                "name": "VAT 20 excl. test",
                "amount": 20.0,
                "type_tax_use": "sale",
                "price_include_override": "tax_excluded",
            }
        )
        self.p1.taxes_id = excluded
        values = self.backend._compute_offer_values(self.offer1.ids)
        self.assertEqual(values[self.offer1.id]["price"], price(120.0))
        # a pricelist rule, rounding and the floor
        self.env["product.pricelist.item"].create(
            {
                "pricelist_id": self.pricelist.id,
                "applied_on": "1_product",
                "product_tmpl_id": self.p1.product_tmpl_id.id,
                "compute_price": "percentage",
                "percent_price": 10,
            }
        )
        self.backend.price_rounding = "x.99"
        values = self.backend._compute_offer_values(self.offer1.ids)
        self.assertEqual(
            values[self.offer1.id]["price"], round_price(90 * 1.2 * rate, "x.99")
        )
        self.offer1.floor_price = 1000.0
        values = self.backend._compute_offer_values(self.offer1.ids)
        self.assertEqual(values[self.offer1.id]["price"], Decimal("1000.00"))

    def test_diff_against_the_last_push(self):
        values = self.backend._compute_offer_values((self.offer1 | self.offer2).ids)
        stock, prices = self.backend._diff_offer_values(values)
        self.assertEqual(set(stock), {self.offer1.id, self.offer2.id})
        self.offer1.write(
            {
                "stock_state": "confirmed",
                "sent_quantity": values[self.offer1.id]["quantity"],
                "price_state": "pending",
                "sent_price": float(values[self.offer1.id]["price"]),
            }
        )
        values = self.backend._compute_offer_values((self.offer1 | self.offer2).ids)
        stock, prices = self.backend._diff_offer_values(values)
        self.assertEqual(set(stock), {self.offer2.id})
        self.assertEqual(set(prices), {self.offer2.id})
        stock, prices = self.backend._diff_offer_values(values, forced={self.offer1.id})
        self.assertEqual(set(stock), {self.offer1.id, self.offer2.id})
        # a rejected push is sent again
        self.offer1.stock_state = "error"
        values = self.backend._compute_offer_values((self.offer1 | self.offer2).ids)
        stock, _prices = self.backend._diff_offer_values(values)
        self.assertIn(self.offer1.id, stock)

    # -- listing matching ------------------------------------------------
    def test_listings_bind_by_sku_ean_and_marketplace_id_or_wait_in_review(self):
        p4, p5, p6, p7, p8 = self.products[3:8]
        self._offer(
            self.backend, p8, seller_sku="OTHER-8", marketplace_product_id="MKP-8"
        )
        listings = [
            Listing(
                sku=p4.default_code,
                eans=("0000000000000",),
                quantity=4,
                price=Decimal("9.90"),
            ),
            Listing(
                sku="SHOP-5", eans=(p5.barcode,), quantity=5, price=Decimal("5.00")
            ),
            Listing(sku="SHOP-6", eans=(p6.barcode, p7.barcode), quantity=1),
            Listing(sku="SHOP-8", marketplace_product_id="MKP-8", quantity=8),
            Listing(sku="NOPE", eans=("1234567890128",), quantity=2),
        ]
        reviews = self.env["mp.listing.review"]
        stats = reviews._sync_listings(self.backend, listings)
        self.assertEqual(stats, {"known": 0, "new": 3, "review": 2, "drift": 0})
        offers = self.env["mp.offer.binding"].search(
            [("backend_id", "=", self.backend.id)]
        )
        by_sku = {o.seller_sku: o for o in offers}
        self.assertEqual(by_sku[p4.default_code].product_id, p4)
        self.assertEqual(by_sku["SHOP-5"].product_id, p5)
        self.assertEqual(by_sku["SHOP-8"].product_id, p8)
        # what the marketplace shows is the confirmed baseline
        self.assertEqual(by_sku["SHOP-5"].stock_state, "confirmed")
        self.assertEqual(by_sku["SHOP-5"].confirmed_quantity, 5)
        self.assertEqual(by_sku["SHOP-5"].confirmed_price, 5.0)
        queued = reviews.search([("backend_id", "=", self.backend.id)])
        self.assertEqual(
            {(r.seller_sku, r.reason) for r in queued},
            {("SHOP-6", "ambiguous"), ("NOPE", "unknown")},
        )
        ambiguous = queued.filtered(lambda r: r.reason == "ambiguous")
        self.assertEqual(ambiguous.candidate_ids, p6 | p7)
        # importing again changes nothing
        stats = reviews._sync_listings(self.backend, listings)
        self.assertEqual(stats, {"known": 3, "new": 0, "review": 2, "drift": 0})
        self.assertEqual(len(reviews.search([("backend_id", "=", self.backend.id)])), 2)
        # a user links the ambiguous one, creates a product for the other
        ambiguous.product_id = p7
        ambiguous.action_link()
        self.assertEqual(ambiguous.state, "linked")
        self.assertEqual(ambiguous.offer_id.product_id, p7)
        unknown = queued - ambiguous
        unknown.action_create_product()
        self.assertEqual(unknown.offer_id.product_id.default_code, "NOPE")
        self.assertEqual(unknown.offer_id.product_id.barcode, "1234567890128")

    def test_listing_sync_flags_drift_once_confirmed(self):
        self.offer1.write(
            {
                "stock_state": "confirmed",
                "sent_quantity": 10,
                "confirmed_quantity": 10,
                "price_state": "confirmed",
                "sent_price": 20.0,
                "confirmed_price": 20.0,
            }
        )
        self.offer2.write({"stock_state": "pending", "sent_quantity": 3})
        self.marks().unlink()
        listings = [
            Listing(sku=self.offer1.seller_sku, quantity=10, price=Decimal("20.00")),
            Listing(sku=self.offer2.seller_sku, quantity=99, price=Decimal("1.00")),
        ]
        reviews = self.env["mp.listing.review"]
        self.assertEqual(
            reviews._sync_listings(self.backend, listings, bind_new=False)["drift"], 0
        )
        listings[0] = Listing(
            sku=self.offer1.seller_sku, quantity=4, price=Decimal("20.00")
        )
        self.assertEqual(
            reviews._sync_listings(self.backend, listings, bind_new=False)["drift"], 1
        )
        self.assertTrue(self.offer1.drift)
        self.assertIn("4", self.offer1.drift_note)
        self.assertEqual(self.offer1.mp_quantity, 4)
        self.assertFalse(self.offer2.drift, "a push in flight is no drift")
        # correcting queues a forced push
        self.offer1.action_fix_drift()
        self.assertEqual(self.marks().filtered("force").offer_id, self.offer1)

    def test_only_products_a_rule_targets_go_through_the_pricelist_engine(self):
        backend, ids = self.backend, self.products.ids
        self.assertEqual(backend._products_with_rules(ids), set())
        items = self.env["product.pricelist.item"]
        category = self.env["product.category"].create({"name": "Offer test"})
        child = self.env["product.category"].create(
            {"name": "Offer test child", "parent_id": category.id}
        )
        self.p2.categ_id = child
        items |= items.create(
            {
                "pricelist_id": self.pricelist.id,
                "applied_on": "2_product_category",
                "categ_id": category.id,
                "compute_price": "percentage",
                "percent_price": 5,
            }
        )
        items |= items.create(
            {
                "pricelist_id": self.pricelist.id,
                "applied_on": "0_product_variant",
                "product_id": self.p3.id,
                "compute_price": "fixed",
                "fixed_price": 1.0,
                "date_end": fields.Datetime.now() + timedelta(days=1),
            }
        )
        self.assertEqual(backend._products_with_rules(ids), {self.p2.id, self.p3.id})
        items[1].date_end = fields.Datetime.now() - timedelta(days=1)  # expired
        self.assertEqual(backend._products_with_rules(ids), {self.p2.id})
        items.create(
            {
                "pricelist_id": self.pricelist.id,
                "applied_on": "3_global",
                "compute_price": "percentage",
                "percent_price": 1,
            }
        )
        self.assertEqual(backend._products_with_rules(ids), set(ids))
