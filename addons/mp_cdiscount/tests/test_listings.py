"""Listing import: Cdiscount's offers bound to Odoo's products, or sent to
the review, on both API generations (REST ``GET /offers``, SOAP
``GetOfferListPaginated``); then the drift check. Binding listings exports
what differs: on SOAP through a package Cdiscount downloads from Odoo, hence
HTTP cases."""

from .common import CdiscountCommon
from .test_offers import CdiscountHttpCommon, OfferCases


class ListingCases(OfferCases):
    """The listing import of the class's API generation."""

    def reviews(self):
        return self.env["mp.listing.review"].search(
            [("backend_id", "=", self.backend.id)]
        )

    def test_listings_are_bound_by_sku_or_ean_and_the_others_reviewed(self):
        summary = self.cdiscount.create_offers(
            self.seller,
            40,
            unknown_sku_share=0.1,
            ambiguous_share=0.05,
            ean_only_share=0.05,
            malformed_share=0.05,
        )
        run = self.import_listings()
        self.assertEqual(run.state, "done")
        offers = {offer.seller_sku: offer for offer in self.offers()}
        listed = self.store_offers()
        by_code = {p.default_code: p for p in self.products}
        by_ean = {p.barcode: p for p in self.products}
        # bound by SKU, even when the EAN Cdiscount shows is another
        # product's (the seller's SKU is what the seller chose)
        for sku, offer in offers.items():
            if sku in by_code:
                self.assertEqual(offer.product_id, by_code[sku], sku)
        self.assertLessEqual(set(summary["ambiguous"]), set(offers))
        # an SKU of no product, but the product's EAN: bound by the EAN
        for sku in summary["ean_only"]:
            self.assertEqual(offers[sku].product_id, by_ean[listed[sku].ean], sku)
        reviews = {review.seller_sku: review for review in self.reviews()}
        for sku in summary["unknown"]:
            self.assertNotIn(sku, offers)
            self.assertEqual(reviews[sku].reason, "unknown", sku)
        unreadable = [r for r in reviews.values() if r.reason == "invalid"]
        self.assertEqual(len(unreadable), self.unreadable_listings)
        for review in unreadable:
            # what could be read of it, and why it could not be bound
            self.assertTrue(review.message)
            self.assertTrue(review.eans)
            self.assertTrue(review.raw_payload)
        self.assertIn(self.unreadable_reason, " ".join(r.message for r in unreadable))
        self.assertEqual(len(offers) + len(reviews), 40)
        self.assertEqual(run.count_new, len(offers))
        self.assertEqual(run.count_error, len(reviews))

    def test_listings_then_drift_found_and_corrected(self):
        self.cdiscount.create_offers(self.seller, 12)
        self.import_listings()
        self.export()
        offers = self.offers()
        self.assertEqual(len(offers), 12)
        # Odoo holds 50 of each product: Cdiscount shows it now
        listed = self.store_offers()
        for offer in offers:
            self.assertEqual(offer.stock_state, "confirmed", offer.seller_sku)
            self.assertEqual(listed[offer.seller_sku].stock, 50)
        # someone changes two offers in Cdiscount's back office
        drifted = sorted(offers.mapped("seller_sku"))[:2]
        with self.cdiscount.lock:
            for sku in drifted:
                listed[sku].stock = 3
        run = self.import_listings(mode="drift")
        self.assertEqual(run.state, "done")
        found = self.offers().filtered("drift")
        self.assertEqual(sorted(found.mapped("seller_sku")), drifted)
        self.assertIn("quantity 3", found[0].drift_note)
        found.action_fix_drift()
        self.export()
        listed = self.store_offers()
        for sku in drifted:
            self.assertEqual(listed[sku].stock, 50)
        self.assertFalse(self.offers().filtered("drift"))


class TestRestListings(ListingCases, CdiscountCommon):
    generation = "rest"
    # REST: an offer without sellerProductId, one priced "abc"
    unreadable_listings = 2
    unreadable_reason = "sellerProductId"


class TestSoapListings(ListingCases, CdiscountHttpCommon):
    generation = "soap"
    # SOAP: an offer whose SellerProductId is nil; the other defect (Price
    # 0, valid against the schema) is bound and its price corrected
    unreadable_listings = 1
    unreadable_reason = "SellerProductId"

    def test_an_offer_shown_at_no_price_is_bound_and_corrected(self):
        summary = self.cdiscount.create_offers(self.seller, 4, malformed_share=0.5)
        (no_sku, no_price) = summary["malformed"]
        self.import_listings()
        self.export()
        offers = {offer.seller_sku: offer for offer in self.offers()}
        self.assertNotIn(no_sku, offers)
        offer = offers[no_price]
        self.assertEqual(offer.product_id.default_code, no_price)
        self.assertEqual(offer.price_state, "confirmed")
        listed = self.store_offers()[no_price]
        self.assertAlmostEqual(float(listed.price), offer.sent_price, 2)
        self.assertGreater(listed.price, 0)
