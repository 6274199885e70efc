"""Stock and price export, listing import and drift against the sandbox."""

from odoo import Command

from .common import BOULANGER_KEY, BOULANGER_SHOP, CARREFOUR_SHOP, MiraklCommon


class TestOfferExport(MiraklCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.boulanger = cls._create_backend(
            "Boulanger test", "boulanger", BOULANGER_KEY
        )
        (cls.backend | cls.boulanger).write({"export_delay": 0, "push_poll_delay": 0})

    def setUp(self):
        super().setUp()
        self.mirakl.create_offers(CARREFOUR_SHOP, 20)
        self.mirakl.create_offers(BOULANGER_SHOP, 20)

    def test_listing_import_then_export_only_what_differs(self):
        run = self.import_listings()
        self.assertEqual(run.state, "done")
        offers = self.offers()
        self.assertEqual(len(offers), 20)
        product = self.products.filtered(lambda p: p.default_code == "MPH-0001")
        offer = offers.filtered(lambda o: o.seller_sku == "MPH-0001")
        self.assertEqual(offer.product_id, product)
        # the catalogue holds 50 of each product: what differs is pushed
        self.export()
        listing = self.mirakl.offer(CARREFOUR_SHOP, "MPH-0001")
        self.assertEqual(listing["quantity"], 50)
        self.assertEqual(offer.stock_state, "confirmed")
        self.assertEqual(offer.confirmed_quantity, 50)
        self.assertEqual(offer.stock_push_id.state, "done")
        # nothing changed: no call at all
        before = self.mirakl.stats.calls()
        self.backend.action_export_offers()
        self.export()
        self.assertEqual(self.mirakl.stats.calls(), before)

    def test_a_sale_reaches_every_account(self):
        self.import_listings()
        self.import_listings(self.boulanger)
        self.export()
        product = self.products.filtered(lambda p: p.default_code == "MPH-0003")
        order = self.env["sale.order"].create(
            {
                "partner_id": self.env.ref("base.res_partner_2").id,
                "warehouse_id": self.warehouse.id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": 4})
                ],
            }
        )
        order.action_confirm()
        self.export()
        for shop in (CARREFOUR_SHOP, BOULANGER_SHOP):
            self.assertEqual(self.mirakl.offer(shop, "MPH-0003")["quantity"], 46)

    def test_rejected_lines_land_on_their_offers(self):
        self.import_listings()
        self.export()
        offer = self.offers().filtered(lambda o: o.seller_sku == "MPH-0002")
        # the marketplace lost the offer: its stock line is rejected
        self.mirakl.delete_offer(CARREFOUR_SHOP, "MPH-0002")
        offer.action_export_now()
        self.export()
        self.assertEqual(offer.stock_state, "error")
        self.assertTrue(offer.push_error)
        self.assertTrue(offer.has_error)
        self.assertEqual(offer.stock_push_id.state, "partial")
        self.assertEqual(self.backend.offer_error_count, 1)

    def test_drift_is_flagged_and_corrected(self):
        self.import_listings()
        self.export()
        drifted = ["MPH-0004", "MPH-0007"]
        for sku in drifted:
            self.mirakl.set_offer(CARREFOUR_SHOP, sku, quantity=3)
        run = self.import_listings(mode="drift")
        self.assertEqual(run.state, "done")
        found = self.offers().filtered("drift")
        self.assertEqual(sorted(found.mapped("seller_sku")), drifted)
        found.action_fix_drift()
        self.export()
        for sku in drifted:
            self.assertEqual(self.mirakl.offer(CARREFOUR_SHOP, sku)["quantity"], 50)
        self.assertFalse(found.filtered("drift"))

    def test_unknown_and_ambiguous_listings_wait_in_review(self):
        self.mirakl.reset_offers(CARREFOUR_SHOP)
        summary = self.mirakl.create_offers(
            CARREFOUR_SHOP, 40, unknown_sku_share=0.1, ambiguous_share=0.05
        )
        self.import_listings()
        reviews = self.env["mp.listing.review"].search(
            [("backend_id", "=", self.backend.id)]
        )
        self.assertEqual(
            sorted(
                reviews.filtered(lambda r: r.reason == "unknown").mapped("seller_sku")
            ),
            sorted(summary["unknown"]),
        )
        self.assertEqual(
            sorted(
                reviews.filtered(lambda r: r.reason == "ambiguous").mapped("seller_sku")
            ),
            sorted(summary["ambiguous"]),
        )
        self.assertEqual(len(self.offers()), 40 - len(reviews))
