"""Offer export to Cdiscount through offer packages, on both generations.

REST: ``POST /offer-packages`` then ``GET /offer-packages/{id}`` until the
package is integrated. SOAP: the zip is stored by the addon and served by its
controller (``/mp_cdiscount/offer_package/...``), Cdiscount downloads it
from the address ``SubmitOfferPackage`` gives, then
``GetOfferPackageSubmissionResult``. The SOAP cases are HTTP cases: the
emulator downloads the package from Odoo's test server, which serves the
test's transaction.
"""

from odoo.tests import HttpCase, tagged

from odoo.addons.mp_connector_base.tests.common import JobRunnerMixin, OfferJobsMixin

from ..services.offer_packages import PACKAGE_ROUTE
from .common import CdiscountCommon, CdiscountSetup

# the emulator refuses prices above this (and at or below 0)
TOO_EXPENSIVE = 150000.0


@tagged("post_install", "-at_install")
class CdiscountHttpCommon(CdiscountSetup, JobRunnerMixin, OfferJobsMixin, HttpCase):
    """A Cdiscount account on the sandbox, its jobs run in the test, Odoo's
    HTTP server serving the test's transaction (``web.base.url`` is it)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_cdiscount()

    def setUp(self):
        super().setUp()
        self.reset_sandbox()


class OfferCases:
    """Offers of the class's API generation, exported as soon as marked."""

    # Odoo runs the test methods a class inherits only when told to
    allow_inherited_tests_method = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.backend.write({"export_delay": 0, "push_poll_delay": 0})

    def store_offers(self):
        """The seller's offers on the emulator, by SKU."""
        with self.cdiscount.lock:
            return dict(self.cdiscount.store.seller(self.seller).offers)


class OfferExportCases(OfferCases):
    """The offer export of the class's API generation."""

    def setUp(self):
        super().setUp()
        self.cdiscount.create_offers(self.seller, 20)

    def packages(self):
        """The emulator's records of the packages the offers were sent in."""
        pushes = self.offers().stock_push_id | self.offers().price_push_id
        ids = sorted(set(pushes.mapped("external_id")))
        return {i: self.cdiscount.package_record(i) for i in ids}

    def submitted(self):
        return self.cdiscount.stats.calls(self.submit_operation)

    def test_what_differs_is_sent_then_nothing_when_nothing_changed(self):
        before = {sku: (o.stock, o.price) for sku, o in self.store_offers().items()}
        self.import_listings()
        self.export()
        offers = self.offers()
        self.assertEqual(len(offers), 20)
        listed = self.store_offers()
        for offer in offers:
            sku = offer.seller_sku
            self.assertEqual(offer.stock_state, "confirmed", sku)
            self.assertEqual(offer.confirmed_quantity, 50, sku)
            self.assertEqual(listed[sku].stock, 50, sku)
            self.assertAlmostEqual(float(listed[sku].price), offer.sent_price, 2)
        # one package, holding the offers Cdiscount showed otherwise
        self.assertEqual(self.submitted(), 1)
        (package,) = self.packages().values()
        sent = {offer.seller_sku: offer.sent_price for offer in offers}
        differing = {
            sku
            for sku, (stock, price) in before.items()
            if stock != 50 or round(float(price) - sent[sku], 2)
        }
        self.assertTrue(differing)
        self.assertEqual({row["sku"] for row in package["rows"]}, differing)
        self.assertEqual(set(offers.stock_push_id.mapped("state")), {"done"})
        # nothing changed: not a single call
        calls = self.cdiscount.stats.calls()
        self.backend.action_export_offers()
        self.export()
        self.assertEqual(self.cdiscount.stats.calls(), calls)

    def test_only_the_changed_offers_are_sent(self):
        self.import_listings()
        self.export()
        offers = self.offers().sorted("seller_sku")
        changed = offers[:3]
        for offer in changed:
            offer.product_id.list_price += 1
        submitted = self.submitted()
        self.export()
        self.assertEqual(self.submitted() - submitted, 1)
        push = changed.price_push_id
        self.assertEqual(len(push), 1)
        record = self.cdiscount.package_record(push.external_id)
        self.assertEqual(
            sorted(row["sku"] for row in record["rows"]),
            sorted(changed.mapped("seller_sku")),
        )
        listed = self.store_offers()
        for offer in changed:
            self.assertEqual(offer.price_state, "confirmed")
            price = listed[offer.seller_sku].price
            self.assertAlmostEqual(float(price), offer.sent_price, 2)
            self.assertAlmostEqual(offer.confirmed_price, offer.sent_price, 2)
        self.assertNotIn(push, (offers - changed).price_push_id)

    def test_an_offer_cdiscount_rejects_shows_why_the_others_are_done(self):
        self.import_listings()
        self.export()
        offers = self.offers().sorted("seller_sku")
        rejected, accepted = offers[0], offers[1:3]
        rejected.product_id.list_price = TOO_EXPENSIVE
        for offer in accepted:
            offer.product_id.list_price += 1
        self.export()
        self.assertEqual(rejected.price_state, "error")
        self.assertTrue(rejected.has_error)
        # Cdiscount's reason, as it gives it
        self.assertIn("Price", rejected.push_error)
        self.assertIn("100000", rejected.push_error)
        self.assertEqual(rejected.price_push_id.state, "partial")
        self.assertEqual(rejected.price_push_id.error_count, 1)
        listed = self.store_offers()
        self.assertLess(float(listed[rejected.seller_sku].price), TOO_EXPENSIVE)
        for offer in accepted:
            self.assertEqual(offer.price_state, "confirmed")
            self.assertFalse(offer.has_error)
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.offer_error_count, 1)


class TestRestOfferExport(OfferExportCases, CdiscountCommon):
    generation = "rest"
    submit_operation = "createOfferPackage"


class TestSoapOfferExport(OfferExportCases, CdiscountHttpCommon):
    generation = "soap"
    submit_operation = "SubmitOfferPackage"

    def test_the_package_is_downloaded_from_odoo(self):
        self.import_listings()
        self.export()
        (record,) = self.packages().values()
        self.assertTrue(
            record["url"].startswith(self.base_url() + PACKAGE_ROUTE + "/"),
            record["url"],
        )
        # a StockAndPrice package: both values of every offer it names
        for row in record["rows"]:
            self.assertIsNotNone(row["stock"], row)
            self.assertIsNotNone(row["price"], row)
            self.assertTrue(row["ean"], row)
        attachment_id = int(record["url"].split("/")[-2])
        attachment = self.env["ir.attachment"].sudo().browse(attachment_id)
        self.assertEqual(attachment.res_id, self.backend.id)
        self.assertTrue(attachment.name.endswith(".zip"))
