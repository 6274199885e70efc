"""Offers exported to Fnac: quantities and prices of the changed offers in
offers_update batches of up to 10,000 offers, batch_status polled until
done, each offer's error back on the offer."""

from decimal import Decimal

from .common import FnacCommon

OFFERS = 5000
TOO_EXPENSIVE = 25000.0  # Fnac takes prices up to 20,000


class TestFnacOffers(FnacCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.backend.write({"export_delay": 0, "push_poll_delay": 0})

    def store_offers(self):
        return self.fnac.offers(self.shop)

    def bind_offers(self, skus, products=None):
        """Offers of the sandbox's products in Odoo, one per SKU, created in
        batches as a listing import would."""
        products = products or self.products.sorted("id")
        offers = self.env["mp.offer.binding"]
        for start in range(0, len(skus), 1000):
            offers |= offers.create(
                [
                    {
                        "backend_id": self.backend.id,
                        "product_id": products[index % len(products)].id,
                        "seller_sku": sku,
                        "condition": "11",
                    }
                    for index, sku in enumerate(skus[start : start + 1000], start)
                ]
            )
        return offers

    def test_five_thousand_offers_go_in_one_call_with_their_errors(self):
        skus = self.fnac.create_offers(self.shop, OFFERS - 3)
        offers = self.bind_offers(skus)
        # three offers Fnac does not know, of a product without an EAN to
        # create them by
        unknown = [f"FNAC-UNKNOWN-{n}" for n in range(3)]
        stranger = self.env["product.product"].create(
            {"name": "Fnac stranger", "default_code": "FNAC-STRANGER"}
        )
        offers |= self.bind_offers(unknown, stranger)
        self.assertEqual(len(offers), OFFERS)
        # five offers priced beyond what Fnac takes
        too_expensive = offers.filtered(lambda o: o.seller_sku in skus[:5])
        too_expensive.floor_price = TOO_EXPENSIVE
        before = self.calls("offers_update")
        self.export()
        self.assertEqual(self.calls("offers_update") - before, 1)
        # one batch of every offer the client could send: a price Fnac does
        # not take is refused before sending, with its reason
        (batch,) = self.fnac.batches(self.shop)
        sent = {result["sku"] for result in batch["results"]}
        self.assertEqual(sent, set(offers.mapped("seller_sku")) - set(skus[:5]))
        self.assertEqual(batch["offers"], OFFERS - 5)
        for offer in too_expensive:
            self.assertEqual(offer.price_state, "error")
            self.assertIn("20000", offer.push_error or "", offer.seller_sku)
        # the batch's per-offer errors land on their offers, in Fnac's words
        strangers = offers.filtered(lambda o: o.seller_sku in unknown)
        self.assertEqual(sorted(batch["errors"]), sorted(unknown))
        for offer in strangers:
            self.assertTrue(offer.has_error, offer.seller_sku)
            (reason, *_others) = batch["errors"][offer.seller_sku]
            self.assertIn(reason, offer.push_error or "", offer.seller_sku)
        rejected = too_expensive | strangers
        listed = self.store_offers()
        for offer in (offers - rejected)[:200]:
            sku = offer.seller_sku
            self.assertEqual(offer.price_state, "confirmed", sku)
            self.assertEqual(offer.stock_state, "confirmed", sku)
            self.assertEqual(listed[sku]["quantity"], offer.sent_quantity, sku)
            self.assertEqual(
                Decimal(listed[sku]["price"]), Decimal(str(offer.sent_price)), sku
            )
        for offer in too_expensive:
            self.assertLess(Decimal(listed[offer.seller_sku]["price"]), 20000)
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.offer_error_count, len(rejected))
        # nothing changed: not a single call
        calls = self.fnac.stats.calls()
        self.backend.action_export_offers()
        self.export()
        self.assertEqual(self.fnac.stats.calls(), calls)

    def test_only_the_changed_offers_are_sent_price_and_quantity_only(self):
        skus = self.fnac.create_offers(self.shop, 10)
        offers = self.bind_offers(skus).sorted("seller_sku")
        self.export()
        before = self.store_offers()
        changed = offers[:2]
        changed.floor_price = 999.0
        self.export()
        (_first, batch) = self.fnac.batches(self.shop)
        self.assertEqual(
            sorted(result["sku"] for result in batch["results"]),
            sorted(changed.mapped("seller_sku")),
        )
        after = self.store_offers()
        for offer in changed:
            sku = offer.seller_sku
            self.assertEqual(offer.price_state, "confirmed")
            self.assertEqual(Decimal(after[sku]["price"]), Decimal("999.00"))
            # what the export does not own is left as it was
            for name in ("state", "description", "showcase"):
                self.assertEqual(after[sku].get(name), before[sku].get(name), name)
