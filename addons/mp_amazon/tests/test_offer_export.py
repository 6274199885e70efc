from .common import SELLER, AmazonCommon


class TestAmazonOfferExport(AmazonCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.backend.write({"export_delay": 0, "push_poll_delay": 0})

    def setUp(self):
        super().setUp()
        self.skus = self.amazon.create_listings(
            SELLER, 40, unknown_sku_share=0.1, quantity=7
        )

    def listing(self, sku):
        return self.amazon.listing_record(SELLER, sku)

    def test_listings_bound_then_only_differences_pushed_in_a_feed(self):
        run = self.import_listings()
        self.assertEqual(run.state, "done")
        offers = self.offers()
        self.assertEqual(len(offers), 36)
        reviews = self.env["mp.listing.review"].search(
            [("backend_id", "=", self.backend.id)]
        )
        self.assertEqual(len(reviews), 4)
        # Odoo holds 50 of each product, Amazon showed 7: pushed as the
        # pages of listings were bound
        self.export()
        for offer in offers:
            self.assertEqual(offer.stock_state, "confirmed", offer.seller_sku)
            self.assertEqual(self.listing(offer.seller_sku)["quantity"], 50)
        # every offer again, quantity and price: one feed whose messages
        # patch both, no listing patched one by one
        stats = self.amazon.get_stats()
        patches = stats.get("patchListingsItem", {}).get("calls", 0)
        feeds = stats.get("createFeed", {}).get("calls", 0)
        reports = stats.get("getFeedDocument", {}).get("calls", 0)
        self.backend.action_resync_offers()
        self.export()
        stats = self.amazon.get_stats()
        self.assertEqual(stats["createFeed"]["calls"] - feeds, 1)
        self.assertEqual(stats["getFeedDocument"]["calls"] - reports, 1)
        self.assertEqual(stats["patchListingsItem"]["calls"], patches)
        self.assertEqual(set(offers.mapped("stock_state")), {"confirmed"})
        self.assertEqual(set(offers.mapped("price_state")), {"confirmed"})
        pushes = offers.stock_push_id | offers.price_push_id
        self.assertEqual(sorted(pushes.mapped("kind")), ["price", "stock"])
        self.assertEqual(len(set(pushes.mapped("external_id"))), 1)
        self.assertEqual(set(pushes.mapped("state")), {"done"})
        feed_id = pushes[0].external_id
        self.assertEqual(self.amazon.feed_record(feed_id)["messages"], 36)
        for offer in offers:
            # the feed's message patched quantity and price at once
            steps = self.listing(offer.seller_sku)["history"]
            self.assertIn(f"feed:{feed_id}", [step[1] for step in steps])
            self.assertEqual(
                [step[2] for step in steps if step[1] == f"feed:{feed_id}"], [2]
            )
        # nothing changed: no call at all
        before = self.amazon.stats.calls()
        self.backend.action_export_offers()
        self.export()
        self.assertEqual(self.amazon.stats.calls(), before)

    def test_few_changes_are_patched_and_errors_land_on_offers(self):
        self.import_listings()
        self.export()
        offers = self.offers()
        changed = offers[:3]
        for offer in changed:
            offer.product_id.list_price += 1
        # Amazon refuses one of them: its listing was deleted meanwhile
        with self.amazon.lock:
            del self.amazon.sellers[SELLER].listings[changed[0].seller_sku]
        before = self.amazon.get_stats().get("patchListingsItem", {}).get("calls", 0)
        self.export()
        stats = self.amazon.get_stats()
        self.assertEqual(stats["patchListingsItem"]["calls"] - before, 3)
        self.assertEqual(changed[0].price_state, "error")
        self.assertTrue(changed[0].has_error)
        for offer in changed[1:]:
            self.assertEqual(offer.price_state, "confirmed")
            price = self.listing(offer.seller_sku)["prices"]["A13V1IB3VIYZZH"]
            self.assertAlmostEqual(float(price), offer.sent_price, 2)

    def test_few_quantities_and_prices_are_patched_together(self):
        self.import_listings()
        self.export()
        changed = self.offers()[:3]
        location = self.env["stock.warehouse"].search([], limit=1).lot_stock_id
        for offer in changed:
            offer.product_id.list_price += 2
            self.env["stock.quant"]._update_available_quantity(
                offer.product_id, location, 5
            )
        before = self.amazon.get_stats().get("patchListingsItem", {}).get("calls", 0)
        self.export()
        # one request per listing, patching its quantity and its price
        stats = self.amazon.get_stats()
        self.assertEqual(stats["patchListingsItem"]["calls"] - before, 3)
        for offer in changed:
            self.assertEqual(offer.stock_state, "confirmed")
            self.assertEqual(offer.price_state, "confirmed")
            listing = self.listing(offer.seller_sku)
            self.assertEqual(listing["quantity"], 55)
            self.assertAlmostEqual(
                float(listing["prices"]["A13V1IB3VIYZZH"]), offer.sent_price, 2
            )
            self.assertEqual(listing["history"][-1][2], 2)

    def test_feed_report_errors_land_on_their_offers(self):
        self.import_listings()
        self.export()
        offers = self.offers()
        bad = offers[:2]
        with self.amazon.lock:
            for offer in bad:
                del self.amazon.sellers[SELLER].listings[offer.seller_sku]
        self.backend.action_resync_offers()
        self.export()
        # quantities and prices in one feed
        self.assertEqual(self.amazon.get_stats()["createFeed"]["calls"], 1)
        # a refused message refuses both: each kind of the offer is in error
        self.assertEqual(set(bad.mapped("stock_state")), {"error"})
        self.assertEqual(set(bad.mapped("price_state")), {"error"})
        for offer in bad:
            self.assertIn("NOT_FOUND", offer.push_error)
        self.assertEqual(set((offers - bad).mapped("stock_state")), {"confirmed"})
        self.assertEqual(set((offers - bad).mapped("price_state")), {"confirmed"})
        for push in bad[:1].stock_push_id | bad[:1].price_push_id:
            self.assertEqual(push.state, "partial")
            self.assertEqual(push.error_count, 2)
        # both pushes followed by one check: one processing report read
        self.assertEqual(self.amazon.get_stats()["getFeedDocument"]["calls"], 1)
