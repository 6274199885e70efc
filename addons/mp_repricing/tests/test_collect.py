"""The collection of competitors' offers through the fake connector: jobs
per chunk of offers, change-only storage, the offers' summary, errors,
retries and the purge of old rows."""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace
from unittest import SkipTest
from unittest.mock import patch

from mphub.errors import TransientError

from odoo import fields
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.tests import tagged
from odoo.tests.common import get_db_name

from odoo.addons.mp_connector_base.tests.fake_common import (
    PRODUCTS,
    FakeCompetitorsCase,
)

from ..services import competitor_collect
from ..services.competitor_collect import CompetitorCollection

RED_EAN = PRODUCTS["FK-RED"][0]
BLUE_EAN = PRODUCTS["FK-BLUE"][0]


class CompetitorsCase(FakeCompetitorsCase):
    """A fake account whose offers a rule owns."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the demo rules (on every account) own no offer of these tests
        cls.env["mp.repricing.rule"].search([]).active = False
        cls.rule = cls.env["mp.repricing.rule"].create(
            {"name": "Every fake offer", "backend_ids": [(6, 0, cls.backend.ids)]}
        )

    def collect(self, offers=None, backend=None):
        """Run a collection (of ``offers``, else of the due ones) and its
        jobs."""
        backend = backend or self.backend
        with self.trap_jobs() as trap:
            backend._schedule_competitor_collection(offers)
            self.job_stats = self.run_jobs(trap)

    def snapshots(self, offer, **domain):
        return self.env["mp.competitor.snapshot"].search(
            [("offer_id", "=", offer.id)]
            + [(name, "=", value) for name, value in domain.items()],
            order="id",
        )

    def current(self, offer):
        return self.snapshots(offer, current=True)


@tagged("post_install", "-at_install")
class TestCollect(CompetitorsCase):
    def setUp(self):
        super().setUp()
        self.red = self.offer_of["FK-RED"]
        self.blue = self.offer_of["FK-BLUE"]
        self.board.set(
            RED_EAN,
            self.board.offer("Shop A", "11.50", rating=4.5, rating_count=120),
            self.board.offer("Shop B", "10.90", "2.00", fulfilment="marketplace"),
            own=self.board.offer("Fake shop", "12.00", featured=True, own=True),
        )
        self.board.set(BLUE_EAN, ("Shop A", "8.10"))

    def test_competitors_reach_snapshots(self):
        self.collect()
        rows = self.current(self.red)
        self.assertEqual(len(rows), 3)
        by_seller = {row.seller: row for row in rows}
        self.assertEqual(by_seller["Shop B"].landed, 12.90)
        self.assertEqual(by_seller["Shop B"].fulfilment, "marketplace")
        self.assertEqual(by_seller["Shop A"].rating, 4.5)
        self.assertEqual(by_seller["Shop A"].rating_count, 120)
        self.assertEqual(by_seller["Shop A"].seller_key, "SHOP A")
        self.assertTrue(by_seller["Fake shop"].own)
        self.assertEqual(rows.mapped("source"), ["api"] * 3)
        self.assertEqual(rows.backend_id, self.backend)
        self.assertEqual(rows.product_id, self.product["FK-RED"])
        self.assertEqual(rows.company_id, self.backend.company_id)
        self.assertFalse(any(rows.mapped("date_to")))
        # the offers' summary: the own offer counts for neither
        self.assertEqual(self.red.competitor_count, 2)
        self.assertEqual(self.red.lowest_competitor_price, 11.50)
        self.assertTrue(self.red.repricing_buy_box)
        self.assertTrue(self.red.competitors_checked_at)
        self.assertFalse(self.red.competitors_error)
        self.assertEqual(self.blue.competitor_count, 1)
        self.assertFalse(self.blue.repricing_buy_box)
        # one call for the whole chunk, by EAN
        (call,) = self.market.calls_of("competitor_offers")
        self.assertCountEqual(call[0], [RED_EAN, BLUE_EAN, PRODUCTS["FK-BOOK"][0]])
        events = self.env["mp.sync.event"].search(
            [("backend_id", "=", self.backend.id)]
        )
        self.assertTrue(
            any("4 new or changed" in event.message for event in events),
            events.mapped("message"),
        )

    def test_same_prices_write_nothing(self):
        self.collect()
        before = self.snapshots(self.red)
        dates = before.mapped("write_date")
        self.collect(self.red | self.blue)
        after = self.snapshots(self.red)
        self.assertEqual(after, before)
        self.assertEqual(after.mapped("write_date"), dates)
        self.assertEqual(len(self.current(self.red)), 3)

    def test_moved_price_closes_one_row_and_inserts_one(self):
        self.collect()
        before = self.snapshots(self.red)
        shop_a = before.filtered(lambda r: r.seller == "Shop A")
        self.board.move(RED_EAN, "Shop A", "11.00")
        self.collect(self.red)
        after = self.snapshots(self.red)
        self.assertEqual(len(after), 4)
        self.assertEqual(after - before, after.filtered(lambda r: r.price == 11.00))
        self.assertTrue(shop_a.date_to)
        self.assertFalse(shop_a.current)
        self.assertEqual(self.current(self.red).mapped("seller").count("Shop A"), 1)
        self.assertEqual(self.red.lowest_competitor_price, 11.00)
        # the other rows were not touched
        self.assertFalse(any((before - shop_a).mapped("date_to")))

    def test_vanished_offer_is_closed_and_new_one_inserted(self):
        self.collect()
        self.board.remove(RED_EAN, "Shop B")
        self.board.offers[("EAN", RED_EAN)].append(self.board.offer("Shop C", "9.99"))
        self.collect(self.red)
        current = self.current(self.red)
        self.assertCountEqual(
            current.mapped("seller"), ["Shop A", "Shop C", "Fake shop"]
        )
        closed = self.snapshots(self.red, current=False)
        self.assertEqual(closed.mapped("seller"), ["Shop B"])
        self.assertEqual(self.red.lowest_competitor_price, 9.99)

    def test_same_seller_in_another_condition_is_another_offer(self):
        self.board.set(
            RED_EAN,
            ("Shop A", "11.50"),
            self.board.offer("Shop A", "7.00", condition="used"),
        )
        self.collect(self.red)
        self.assertEqual(len(self.current(self.red)), 2)
        self.board.set(  # the same values: no change
            RED_EAN,
            ("Shop A", "11.50"),
            self.board.offer("Shop A", "7.00", condition="used"),
        )
        self.collect(self.red)
        self.assertEqual(len(self.snapshots(self.red)), 2)

    def test_recently_read_offers_are_skipped(self):
        self.collect()
        self.assertEqual(len(self.market.calls_of("competitor_offers")), 1)
        self.collect()
        self.assertEqual(len(self.market.calls_of("competitor_offers")), 1)
        self.red.sudo().write(
            {"competitors_checked_at": fields.Datetime.now() - timedelta(hours=7)}
        )
        self.collect()
        calls = self.market.calls_of("competitor_offers")
        self.assertEqual(len(calls), 2)
        self.assertEqual(calls[-1][0], [RED_EAN])

    def test_interval_setting(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "mp_repricing.competitor_interval_hours", "0"
        )
        self.collect()
        self.collect()
        self.assertEqual(len(self.market.calls_of("competitor_offers")), 2)

    def test_only_offers_a_rule_owns(self):
        if "repricing_rule_id" not in self.red._fields:
            self.skipTest("no rule assignment")
        self.rule.product_domain = "[('default_code', '=', 'FK-RED')]"
        self.collect()
        (call,) = self.market.calls_of("competitor_offers")
        self.assertEqual(call[0], [RED_EAN])

    def test_unknown_product_keeps_its_rows(self):
        self.collect()
        rows = self.current(self.red)
        self.board.unknown.add(("EAN", RED_EAN))
        self.collect(self.red | self.blue)
        self.assertEqual(self.current(self.red), rows)
        self.assertIn(RED_EAN, self.red.competitors_error)
        self.assertEqual(self.red.competitor_count, 2)
        self.assertFalse(self.blue.competitors_error)

    def test_error_is_cleared_once_read(self):
        self.board.unknown.add(("EAN", RED_EAN))
        self.collect(self.red)
        self.assertTrue(self.red.competitors_error)
        self.board.set(RED_EAN, ("Shop A", "11.50"))
        self.collect(self.red)
        self.assertFalse(self.red.competitors_error)
        self.assertEqual(self.red.competitor_count, 1)

    def test_offer_without_reference(self):
        book = self.offer_of["FK-BOOK"]
        book.ean = False
        book.product_id.barcode = False
        self.collect(book | self.red)
        (call,) = self.market.calls_of("competitor_offers")
        self.assertEqual(call[0], [RED_EAN])
        self.assertTrue(book.competitors_error)
        self.assertFalse(self.snapshots(book))

    def test_barcode_when_no_ean(self):
        self.red.ean = False
        self.collect(self.red)
        (call,) = self.market.calls_of("competitor_offers")
        self.assertEqual(call[0], [self.product["FK-RED"].barcode])
        self.assertEqual(len(self.current(self.red)), 3)

    def test_two_offers_of_one_product_share_the_call(self):
        used = self.env["mp.offer.binding"].create(
            {
                "backend_id": self.backend.id,
                "product_id": self.product["FK-RED"].id,
                "seller_sku": "FK-RED-USED",
                "ean": RED_EAN,
            }
        )
        self.collect(self.red | used)
        (call,) = self.market.calls_of("competitor_offers")
        self.assertEqual(call[0], [RED_EAN])
        self.assertEqual(len(self.current(used)), 3)
        self.assertEqual(len(self.current(self.red)), 3)

    def test_throttled_call_is_retried(self):
        self.market.fail(
            "competitor_offers", TransientError("slow down", retry_after=1)
        )
        self.collect(self.red)
        self.assertEqual(self.job_stats["retried"], 1)
        self.assertEqual(len(self.market.calls_of("competitor_offers")), 2)
        self.assertEqual(len(self.current(self.red)), 3)
        retries = self.env["mp.sync.event"].search(
            [("backend_id", "=", self.backend.id), ("event_type", "=", "retry")]
        )
        self.assertTrue(retries)

    def test_chunks(self):
        with patch.object(competitor_collect, "CHUNK", 2):
            with self.trap_jobs() as trap:
                self.backend._schedule_competitor_collection()
                self.assertEqual(len(trap.enqueued_jobs), 2)
                self.assertEqual(
                    {job.channel for job in trap.enqueued_jobs},
                    {"root.marketplace.import"},
                )
                self.run_jobs(trap)
        self.assertEqual(len(self.market.calls_of("competitor_offers")), 2)
        self.assertTrue(all(o.competitors_checked_at for o in self.offer_of.values()))

    def test_cron_collects_capable_accounts_only(self):
        other = self.create_fake_backend("Fake other")
        other_market = self.open_market(other)
        self.create_offers(other)
        self.rule.backend_ids = [(4, other.id)]
        with self.trap_jobs() as trap:
            self.env["mp.backend"]._cron_collect_competitors()
            self.run_jobs(trap)
        self.assertTrue(self.market.calls_of("competitor_offers"))
        self.assertFalse(other_market.calls_of("competitor_offers"))

    def test_button_on_offers(self):
        with self.trap_jobs() as trap:
            action = self.red.action_collect_competitors()
            self.run_jobs(trap)
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(len(self.current(self.red)), 3)
        history = self.red.action_view_price_history()
        self.assertEqual(history["res_model"], "mp.competitor.snapshot")
        self.assertEqual(history["domain"], [("offer_id", "=", self.red.id)])
        self.assertTrue(history["view_mode"].startswith("graph"))

    def test_due_chunk_is_queued_once(self):
        # stored jobs (no trap): a chunk waiting in the queue is not queued
        # again by the next cron, offers asked for by a user are
        self.backend._schedule_competitor_collection()
        self.backend._schedule_competitor_collection()
        self.backend._schedule_competitor_collection(self.red)
        jobs = self.env["queue.job"].search(
            [("identity_key", "like", f"mp_competitors:{self.backend.id}:%")]
        )
        self.assertEqual(len(jobs), 2)
        self.assertEqual(jobs.mp_backend_id, self.backend)
        self.assertEqual(set(jobs.mapped("channel")), {"root.marketplace.import"})

    def test_button_without_capability(self):
        self.market.capabilities = self.market.capabilities - {"competitors"}
        with self.assertRaises(UserError):
            self.red.action_collect_competitors()

    def test_amazon_references(self):
        collection = CompetitorCollection(self.backend)
        collection.backend = SimpleNamespace(backend_type="amazon")
        self.red.marketplace_product_id = "B0RED00001"
        self.assertEqual(collection._reference(self.red), ("ASIN", "B0RED00001"))
        self.assertEqual(collection._reference(self.blue), ("SKU", "FK-BLUE"))

    def test_to_competitor_offer(self):
        self.collect(self.red)
        row = self.current(self.red).filtered(lambda r: r.seller == "Shop B")
        offer = row._to_competitor_offer()
        self.assertEqual(offer.price, Decimal("10.90"))
        self.assertEqual(offer.shipping, Decimal("2.00"))
        self.assertEqual(offer.landed, Decimal("12.90"))
        self.assertEqual(offer.fulfilment, "marketplace")
        self.assertEqual(offer.condition, "new")
        self.assertFalse(offer.own)


@tagged("post_install", "-at_install")
class TestPurge(CompetitorsCase):
    def test_purge_deletes_old_closed_rows_only(self):
        red = self.offer_of["FK-RED"]
        self.board.set(RED_EAN, ("Shop A", "11.50"))
        self.collect(red)
        self.board.move(RED_EAN, "Shop A", "11.00")
        self.collect(red)
        self.board.move(RED_EAN, "Shop A", "10.50")
        self.collect(red)
        old, recent = self.snapshots(red, current=False)
        current = self.current(red)
        now = fields.Datetime.now()
        old.sudo().write({"date_to": now - timedelta(days=91)})
        current.sudo().write({"date_from": now - timedelta(days=400)})
        self.env["ir.config_parameter"].sudo().set_param(
            "mp_repricing.snapshot_retention_days", "90"
        )
        deleted = self.env["mp.competitor.snapshot"]._cron_purge()
        self.assertEqual(deleted, 1)
        self.assertFalse(old.exists())
        self.assertTrue(recent.exists())
        self.assertTrue(current.exists())


# ----------------------------------------------------------------------
# the real emulators, when their connectors are installed
# ----------------------------------------------------------------------
def _installed(module):
    return module in Registry(get_db_name())._init_modules


class EmulatorCollectMixin:
    """Collection against an emulator: ``cls.backend`` is its account;
    ``bind()`` gives its offers in Odoo."""

    connector = None

    @classmethod
    def setUpClass(cls):
        if not _installed(cls.connector):
            raise SkipTest(f"{cls.connector} is not installed")
        super().setUpClass()

    def setUp(self):
        super().setUp()
        rules = self.env["mp.repricing.rule"]
        rules.search([("backend_ids", "in", self.backend.ids)]).active = False
        rules.search([("backend_ids", "=", False)]).active = False
        self.rule = rules.create(
            {"name": "Emulator offers", "backend_ids": [(6, 0, self.backend.ids)]}
        )

    def collect(self, offers=None):
        with self.trap_jobs() as trap:
            self.backend._schedule_competitor_collection(offers)
            self.job_stats = self.run_jobs(trap)
        self.assertFalse(self.job_stats["failed"], self.job_stats)

    def snapshots(self, offers):
        return self.env["mp.competitor.snapshot"].search(
            [("offer_id", "in", offers.ids)], order="id"
        )

    def assert_change_only(self, offer, move):
        """A second reading with the same prices writes no row; ``move()``
        moves one competitor's price: one row closed, one inserted."""
        self.collect(offer)
        before = self.snapshots(offer)
        self.assertTrue(before.filtered(lambda r: not r.own), "no competitor read")
        self.collect(offer)
        self.assertEqual(self.snapshots(offer), before)
        self.assertEqual(self.snapshots(offer).filtered("current"), before)
        move()
        self.collect(offer)
        after = self.snapshots(offer)
        self.assertEqual(len(after - before), 1)
        self.assertEqual(len(before.filtered(lambda r: not r.current)), 1)
        return before, after


# the connectors' fixtures, imported when they are shipped
try:
    from odoo.addons.mp_mirakl.tests.common import CARREFOUR_SHOP, MiraklCommon
except ImportError:  # pragma: no cover
    MiraklCommon = None


if MiraklCommon is not None:

    @tagged("post_install", "-at_install")
    class TestCollectMirakl(EmulatorCollectMixin, MiraklCommon):
        connector = "mp_mirakl"

        def setUp(self):
            super().setUp()
            self.mirakl.create_offers(CARREFOUR_SHOP, 6)
            self.import_listings()
            self.offers_ = self.offers()

        def competitors(self, price_b="19.90"):
            return [
                {"shop_id": 3101, "shop_name": "Maison & Co", "price": "21.00"},
                {
                    "shop_id": 3102,
                    "shop_name": "Bricoland",
                    "price": price_b,
                    "shipping": "2.90",
                    "shop_grade": "4.5",
                    "nb_evaluation": 230,
                },
            ]

        def test_competitors_reach_snapshots(self):
            self.collect()
            rows = self.snapshots(self.offers_)
            self.assertTrue(rows)
            self.assertTrue(rows.filtered("own"), "the own offers are flagged")
            self.assertTrue(all(o.competitors_checked_at for o in self.offers_))
            with_rows = self.offers_.filtered("competitor_count")
            self.assertTrue(with_rows)
            for offer in with_rows:
                lowest = min(
                    self.snapshots(offer).filtered(lambda r: not r.own).mapped("landed")
                )
                self.assertAlmostEqual(offer.lowest_competitor_price, lowest)

        def test_only_changes_are_stored(self):
            offer = self.offers_.filtered("ean")[:1]
            self.mirakl.set_competitors(offer.ean, self.competitors())

            def move():
                self.mirakl.set_competitors(offer.ean, self.competitors("18.50"))

            before, after = self.assert_change_only(offer, move)
            new = after - before
            self.assertEqual(new.seller, "Bricoland")
            self.assertEqual(new.price, 18.50)
            self.assertEqual(new.shipping, 2.90)
            self.assertEqual(new.landed, 21.40)
            self.assertEqual(offer.competitor_count, 2)
            self.assertAlmostEqual(offer.lowest_competitor_price, 21.00)


try:
    from odoo.addons.mp_fnac.tests.common import FnacCommon
except ImportError:  # pragma: no cover
    FnacCommon = None

if FnacCommon is not None:

    @tagged("post_install", "-at_install")
    class TestCollectFnac(EmulatorCollectMixin, FnacCommon):
        connector = "mp_fnac"

        def setUp(self):
            super().setUp()
            skus = self.fnac.create_offers(self.shop, 3)
            self.import_listings()
            self.offers_ = self.offers().filtered(lambda o: o.seller_sku in skus)

        def test_only_changes_are_stored(self):
            offer = self.offers_.filtered(lambda o: o.ean or o.product_id.barcode)[:1]
            self.assertTrue(offer, "no Fnac offer with an EAN")
            ean = offer.ean or offer.product_id.barcode
            rows = [
                {"seller": "Libraire Martin", "price": "17.00", "shipping": "0"},
                {"seller": "Disques & Co", "price": "16.50", "shipping": "1.99"},
            ]
            self.fnac.set_competitors(self.shop, ean, rows)

            def move():
                rows[1]["price"] = "15.90"
                self.fnac.set_competitors(self.shop, ean, rows)

            before, after = self.assert_change_only(offer, move)
            new = after - before
            self.assertEqual(new.seller, "Disques & Co")
            self.assertEqual(new.landed, 17.89)
            self.assertEqual(offer.competitor_count, 2)


try:
    from odoo.addons.mp_amazon.tests.common import SELLER, AmazonCommon
except ImportError:  # pragma: no cover
    AmazonCommon = None

if AmazonCommon is not None:

    @tagged("post_install", "-at_install")
    class TestCollectAmazon(EmulatorCollectMixin, AmazonCommon):
        connector = "mp_amazon"

        def setUp(self):
            super().setUp()
            self.amazon.create_listings(SELLER, 4)
            self.import_listings()
            self.offers_ = self.offers()
            # the competitors' prices walk with the emulator's hour: hold it
            hour = self.amazon.pricing_hour()
            self.hour = [hour]
            patcher = patch.object(
                type(self.amazon), "pricing_hour", lambda emulator: self.hour[0]
            )
            patcher.start()
            self.addCleanup(patcher.stop)

        def test_competitors_by_asin_and_next_hour(self):
            self.collect()
            rows = self.snapshots(self.offers_)
            self.assertTrue(rows.filtered(lambda r: not r.own))
            asked = [o for o in self.offers_ if o.marketplace_product_id]
            self.assertTrue(asked, "the listings give the offers their ASIN")
            # the same hour: nothing written
            self.collect(self.offers_)
            self.assertEqual(self.snapshots(self.offers_), rows)
            # the next hour: prices moved, each moved row closed and replaced
            self.hour[0] += 1
            self.collect(self.offers_)
            after = self.snapshots(self.offers_)
            closed = rows.filtered(lambda r: not r.current)
            self.assertTrue(closed)
            self.assertEqual(
                len(after.filtered("current")),
                len(
                    after.filtered("current").mapped(
                        lambda r: (r.offer_id.id, r.seller_key, r.condition, r.own)
                    )
                ),
            )
