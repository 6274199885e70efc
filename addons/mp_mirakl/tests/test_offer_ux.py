"""What people see of offers: aggregates that mean something, condition
labels, words for push statuses, and a chatter that traces what the
marketplace confirmed, once per push."""

from lxml import etree

from odoo import Command

from odoo.addons.mp_connector_base.models.mp_offer_push import status_text

from .common import BOULANGER_KEY, BOULANGER_SHOP, CARREFOUR_SHOP, MiraklCommon

QUANTITIES = ("sent_quantity", "confirmed_quantity", "mp_quantity", "fixed_quantity")
PRICES = ("sent_price", "confirmed_price", "mp_price", "floor_price")


class TestOfferUx(MiraklCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.boulanger = cls._create_backend(
            "Boulanger test", "boulanger", BOULANGER_KEY
        )
        (cls.backend | cls.boulanger).write({"export_delay": 0, "push_poll_delay": 0})

    def setUp(self):
        super().setUp()
        self.mirakl.create_offers(CARREFOUR_SHOP, 10)
        self.mirakl.create_offers(BOULANGER_SHOP, 10)
        # the fixtures disable tracking; the chatter is what is tested here
        self.env = self.env(context=dict(self.env.context, tracking_disable=False))

    def offer(self, sku, backend=None):
        return self.offers(backend).filtered(lambda o: o.seller_sku == sku)

    def price_notes(self, offer):
        """The chatter messages of ``offer`` tracking its confirmed price."""
        return offer.message_ids.filtered(
            lambda m: "confirmed_price" in m.tracking_value_ids.field_id.mapped("name")
        )

    # ------------------------------------------------------------------
    # aggregates
    # ------------------------------------------------------------------
    def test_quantities_and_prices_are_never_summed(self):
        offers = self.env["mp.offer.binding"]
        info = offers.fields_get(QUANTITIES + PRICES, ["aggregator"])
        for name in QUANTITIES + PRICES:
            self.assertNotEqual(info[name].get("aggregator"), "sum", name)
        # the same 50 units offered on two channels: 50, not 100 (as a list
        # grouped by product, or the pivot, aggregate them)
        self.import_listings()
        self.import_listings(self.boulanger)
        self.export()
        both = self.offer("MPH-0001") | self.offer("MPH-0001", self.boulanger)
        self.assertEqual(both.mapped("confirmed_quantity"), [50, 50])
        [group] = offers.read_group(
            [("id", "in", both.ids)],
            ["confirmed_quantity", "confirmed_price"],
            ["product_id"],
        )
        self.assertEqual(group["product_id_count"], 2)
        self.assertEqual(group["confirmed_quantity"], 50)
        self.assertAlmostEqual(
            group["confirmed_price"], sum(both.mapped("confirmed_price")) / 2, 2
        )

    def test_offer_views_sum_nothing(self):
        views = self.env["mp.offer.binding"].get_views(
            [(False, "list"), (False, "pivot")]
        )["views"]
        pivot = etree.fromstring(views["pivot"]["arch"])
        self.assertEqual(
            pivot.xpath("//field[@type='measure']/@name"), ["confirmed_quantity"]
        )
        listing = etree.fromstring(views["list"]["arch"])
        self.assertFalse(listing.xpath("//field[@sum]"))

    # ------------------------------------------------------------------
    # words, not codes
    # ------------------------------------------------------------------
    def test_conditions_show_their_label(self):
        self.import_listings()
        offer = self.offer("MPH-0001")
        self.assertEqual(offer.condition, "11")
        self.assertEqual(offer.condition_label, "New")
        offer.condition = "77"  # an operator's own state: its code
        self.assertEqual(offer.condition_label, "77")
        backends = self.env["mp.backend"]  # no account: every connector's
        self.assertEqual(backends._offer_condition_label("2"), "Used - Very Good")
        self.assertFalse(backends._offer_condition_label(False))

    def test_push_statuses_in_words(self):
        env = self.env
        self.assertEqual(status_text(env, "COMPLETE"), "Completed")
        self.assertEqual(status_text(env, "DONE"), "Completed")
        self.assertEqual(
            status_text(env, "FATAL bad header"),
            "Rejected by the marketplace: bad header",
        )
        self.assertEqual(
            status_text(env, "DONE with errors: line 3"),
            "Completed with errors: line 3",
        )
        self.assertEqual(status_text(env, "Quota exceeded"), "Quota exceeded")
        self.import_listings()
        self.export()
        pushes = self.env["mp.offer.push"].search(
            [("backend_id", "=", self.backend.id)]
        )
        self.assertTrue(pushes)
        for push in pushes:
            self.assertNotIn(push.message, ("COMPLETE", "WAITING", "RUNNING"))
            # the account is named once, the push in words
            self.assertEqual(push.display_name.count(self.backend.name), 1)
            self.assertRegex(push.display_name, r": (Stock|Price) push ")

    def test_follow_up_jobs_name_the_account_once(self):
        self.import_listings()
        offer = self.offer("MPH-0002")
        offer.action_export_now()
        with self.trap_jobs() as trap:
            self.env["mp.offer.dirty"]._flush_marks()
            [export_job] = trap.enqueued_jobs
            self.assertEqual(
                export_job.description, "Carrefour test: export stock and prices"
            )
            trap.enqueued_jobs = []
            export_job.perform()
            checks = [j for j in trap.enqueued_jobs if j.method_name == "_job_check"]
        self.assertTrue(checks)
        for job in checks:
            self.assertEqual(job.description.count("Carrefour test"), 1)
            self.assertRegex(
                job.description,
                r"^Carrefour test: follow (stock|price) push \S+ \(1 offer\(s\)\)$",
            )

    # ------------------------------------------------------------------
    # the offer's chatter
    # ------------------------------------------------------------------
    def test_a_confirmed_price_change_is_traced_once_per_push(self):
        self.import_listings()
        self.export()
        offer = self.offer("MPH-0003")
        self.assertEqual(offer.price_state, "confirmed")
        old_price = offer.confirmed_price
        notes_before = self.price_notes(offer)
        template = offer.product_id.product_tmpl_id
        template.list_price = template.list_price + 10
        self.export()
        self.assertEqual(offer.price_state, "confirmed")
        self.assertNotEqual(offer.confirmed_price, old_price)
        new_notes = self.price_notes(offer) - notes_before
        self.assertEqual(len(new_notes), 1)
        tracking = new_notes.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "confirmed_price"
        )
        self.assertEqual(len(tracking), 1)
        self.assertAlmostEqual(tracking.old_value_float, old_price, places=2)
        self.assertAlmostEqual(tracking.new_value_float, offer.confirmed_price, 2)
        self.assertIn("Price push", new_notes.body)
        # as the chatter shows it
        [shown] = tracking._tracking_value_format()
        self.assertEqual(shown["changedField"], "Price Confirmed")
        self.assertEqual(shown["newValue"]["currencyId"], offer.currency_id.id)
        self.assertAlmostEqual(shown["newValue"]["value"], offer.confirmed_price, 2)
        self.assertEqual(new_notes.subtype_id, self.env.ref("mail.mt_note"))
        self.assertTrue(new_notes.is_internal)
        # pushed again at the same price: nothing new to trace
        offer.action_export_now()
        self.export()
        self.assertEqual(self.price_notes(offer) - notes_before, new_notes)
        # another offer of the product changed too, on its own chatter only
        self.assertFalse(new_notes.filtered(lambda m: m.res_id != offer.id))

    def test_a_rejected_offer_says_why_on_its_chatter(self):
        self.import_listings()
        self.export()
        offer = self.offer("MPH-0004")
        self.mirakl.delete_offer(CARREFOUR_SHOP, "MPH-0004")
        offer.action_export_now()
        self.export()
        self.assertEqual(offer.stock_state, "error")
        rejected = offer.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "stock_state"
        )
        self.assertEqual(len(rejected), 1)
        self.assertEqual(rejected.old_value_char, "Sent, Waiting")
        self.assertEqual(rejected.new_value_char, "Rejected")
        self.assertIn("Stock push", rejected.mail_message_id.body)
        # the run of that export counts the rejections of its pushes
        run = offer.stock_push_id.run_id
        pushes = self.env["mp.offer.push"].search([("run_id", "=", run.id)])
        self.assertGreaterEqual(run.count_error, 1)
        self.assertEqual(run.count_error, sum(pushes.mapped("error_count")))
        self.assertEqual(run.result, "done_errors")

    def test_bulk_work_writes_no_chatter(self):
        # listings bound in bulk: no creation note, no follower per offer;
        # the notes they have are those of the export that followed (the
        # values the marketplace confirmed instead of the listing's)
        self.import_listings()
        offers = self.offers()
        self.assertEqual(len(offers), 10)
        self.assertFalse(offers.message_follower_ids)
        self.assertTrue(offers.message_ids)
        for message in offers.message_ids:
            self.assertTrue(message.tracking_value_ids, message.body)
            self.assertRegex(message.body, r"(Stock|Price) push ")
        # one note per offer and push at most
        pairs = [(m.res_id, m.body) for m in offers.message_ids]
        self.assertEqual(len(pairs), len(set(pairs)))
        # offers created in bulk elsewhere: no creation note either
        pair = self.env["mp.offer.binding"].create(
            [
                {
                    "backend_id": self.boulanger.id,
                    "product_id": product.id,
                    "seller_sku": f"UX-BULK-{product.id}",
                }
                for product in self.products[20:22]
            ]
        )
        self.assertFalse(pair.message_ids)
        self.assertFalse(pair.message_follower_ids)
        # the first confirmation of an offer never confirmed is no change
        self.mirakl.create_offers(CARREFOUR_SHOP, 1, start=30)
        product = self.products.filtered(lambda p: p.default_code == "MPH-0031")
        fresh = self.env["mp.offer.binding"].create(
            {
                "backend_id": self.backend.id,
                "product_id": product.id,
                "seller_sku": product.default_code,
            }
        )
        notes = fresh.message_ids
        self.assertEqual(len(notes), 1, "one offer created by hand: one note")
        self.export()
        self.assertEqual(fresh.stock_state, "confirmed")
        self.assertEqual(fresh.message_ids, notes)

    def test_policy_changes_are_tracked(self):
        product = self.products[40]
        offer = self.env["mp.offer.binding"].create(
            {
                "backend_id": self.backend.id,
                "product_id": product.id,
                "seller_sku": product.default_code,
            }
        )
        # as in Odoo, what changes in the transaction creating a record is
        # not tracked: the creation is committed first
        self.env.flush_all()
        self.env.cr.precommit.run()
        offer.write({"stock_mode": "fixed", "fixed_quantity": 7})
        self.env.flush_all()
        self.env.cr.precommit.run()
        fields_tracked = offer.message_ids.tracking_value_ids.field_id.mapped("name")
        self.assertIn("stock_mode", fields_tracked)
        self.assertIn("fixed_quantity", fields_tracked)

    def test_product_opens_its_offers_in_the_search_bar(self):
        product = self.products[0]
        self.env["mp.offer.binding"].create(
            [
                {
                    "backend_id": backend.id,
                    "product_id": product.id,
                    "seller_sku": f"UX-OPEN-{backend.id}",
                }
                for backend in (self.backend, self.boulanger)
            ]
        )
        action = product.action_open_mp_offers()
        self.assertFalse(action.get("domain"))
        self.assertEqual(action["context"]["search_default_product_id"], product.id)
        rejected = self.backend.action_open_offer_errors()
        self.assertEqual(rejected["context"]["search_default_in_error"], 1)
        self.assertEqual(
            rejected["context"]["search_default_backend_id"], self.backend.id
        )
        # no other search field of the offers answers to product_id
        arch = self.env["mp.offer.binding"].get_views([(False, "search")])["views"]
        search = etree.fromstring(arch["search"]["arch"])
        self.assertEqual(len(search.xpath("//field[@name='product_id']")), 1)

    def test_listing_review_reads_condition_and_shows_no_raw_record_to_users(self):
        review = self.env["mp.listing.review"].create(
            {
                "backend_id": self.backend.id,
                "key": "UX-REVIEW",
                "seller_sku": "UX-REVIEW",
                "condition": "11",
                "reason": "unknown",
                "raw_payload": "{}",
            }
        )
        self.assertEqual(review.condition_label, "New")
        group = self.env.ref("mp_connector_base.group_mp_connector_base_user")
        user = self.env["res.users"].create(
            {
                "name": "Marketplace user",
                "login": "mp-ux-user",
                "groups_id": [Command.set(group.ids)],
            }
        )
        arch = (
            self.env["mp.listing.review"]
            .with_user(user)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertNotIn("raw_payload", arch)
