"""What people see of the sync journal: runs done with errors told apart,
durations people read, unreadable listings that still say what they are,
and the suite's jobs one menu away."""

from datetime import timedelta

from odoo import fields
from odoo.tools.safe_eval import safe_eval

from odoo.addons.mp_connector_base.models.mp_sync_run import format_duration

from .common import CARREFOUR_SHOP, MiraklCommon


class TestJournalUx(MiraklCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.backend.write({"export_delay": 0, "push_poll_delay": 0})

    def run_record(self, **vals):
        return self.env["mp.sync.run"].create(
            {"backend_id": self.backend.id, "operation": "import_orders", **vals}
        )

    # ------------------------------------------------------------------
    # results and durations
    # ------------------------------------------------------------------
    def test_a_run_with_errors_is_not_a_plain_done(self):
        clean = self.run_record()
        with_errors = self.run_record(count_error=2)
        failed = self.run_record(operation="export_offers")
        self.assertEqual(clean.result, "running")
        clean._close("done")
        with_errors._close("done")
        failed._fail("The marketplace is down")
        self.assertEqual(clean.result, "done")
        self.assertEqual(with_errors.result, "done_errors")
        self.assertEqual(failed.result, "failed")
        labels = dict(
            self.env["mp.sync.run"]._fields["result"]._description_selection(self.env)
        )
        self.assertEqual(labels["done_errors"], "Done with Errors")
        # the journal's filter finds it
        runs = self.env["mp.sync.run"].search(
            [("backend_id", "=", self.backend.id), ("result", "=", "done_errors")]
        )
        self.assertEqual(runs, with_errors)

    def test_a_listing_import_with_listings_to_review_ends_with_errors(self):
        self.mirakl.create_offers(CARREFOUR_SHOP, 10, unknown_sku_share=0.2)
        run = self.import_listings()
        self.assertEqual(run.state, "done")
        self.assertEqual(run.count_error, 2)
        self.assertEqual(run.result, "done_errors")

    def test_durations_read_as_time(self):
        env = self.env
        self.assertEqual(format_duration(env, 0.4), "< 1 s")
        self.assertEqual(format_duration(env, 12), "12 s")
        self.assertEqual(format_duration(env, 72), "1 min 12 s")
        self.assertEqual(format_duration(env, 3725), "1 h 02 min")
        start = fields.Datetime.now() - timedelta(minutes=5)
        run = self.run_record(date_start=start)
        run.date_end = start + timedelta(seconds=72)
        self.assertEqual(run.duration, 72)
        self.assertEqual(run.duration_text, "1 min 12 s")
        running = self.run_record(date_start=start)
        self.assertRegex(running.duration_text, r"^5 min \d+ s \(running\)$")
        info = self.env["mp.sync.run"].fields_get(["duration"], ["aggregator"])
        self.assertNotEqual(info["duration"].get("aggregator"), "sum")

    # ------------------------------------------------------------------
    # unreadable listings
    # ------------------------------------------------------------------
    def test_an_unreadable_listing_says_what_it_is_and_why(self):
        self.mirakl.create_offers(CARREFOUR_SHOP, 10)
        self.mirakl.set_offer(CARREFOUR_SHOP, "MPH-0005", defect="no_shop_sku")
        self.mirakl.set_offer(CARREFOUR_SHOP, "MPH-0006", defect="price_text")
        self.import_listings()
        reviews = self.env["mp.listing.review"].search(
            [("backend_id", "=", self.backend.id), ("reason", "=", "invalid")]
        )
        self.assertEqual(len(reviews), 2)
        for review in reviews:
            self.assertTrue(review.message, "an unreadable row always says why")
        no_sku = reviews.filtered(lambda r: not r.seller_sku)
        bad_price = reviews - no_sku
        product = self.products.filtered(lambda p: p.default_code == "MPH-0005")
        # no SKU, but its EAN and title are read
        self.assertIn("shop_sku", no_sku.message)
        self.assertEqual(no_sku.eans, product.barcode)
        self.assertTrue(no_sku.title)
        self.assertTrue(no_sku.marketplace_product_id)
        self.assertEqual(no_sku.condition_label, "New")
        # the SKU is readable: it is shown (and keys the review)
        self.assertEqual(bad_price.seller_sku, "MPH-0006")
        self.assertEqual(bad_price.key, "MPH-0006")
        self.assertIn("price", bad_price.message)
        self.assertTrue(bad_price.title)
        # the raw record is kept, readable
        self.assertIn('\n  "', no_sku.raw_payload)

    def test_an_unreadable_record_of_any_shape_gets_a_reason(self):
        reviews = self.env["mp.listing.review"]
        reviews._queue_invalid(self.backend, ["not", "an", "object"], "")
        reviews._queue_invalid(
            self.backend,
            {"shop_sku": {"nested": 1}, "product_title": 12.5, "sku": "  SKU 9 "},
            "the offer record is odd",
        )
        found = reviews.search([("backend_id", "=", self.backend.id)])
        self.assertEqual(len(found), 2)
        shapeless = found.filtered(lambda r: not r.seller_sku)
        self.assertTrue(shapeless.message)
        self.assertTrue(shapeless.key.startswith("raw-"))
        odd = found - shapeless
        self.assertEqual(odd.seller_sku, "SKU 9")
        self.assertFalse(odd.title)
        self.assertEqual(odd.message, "the offer record is odd")

    # ------------------------------------------------------------------
    # jobs
    # ------------------------------------------------------------------
    def test_the_jobs_menu_lists_the_suites_jobs_for_managers(self):
        menu = self.env.ref("mp_connector_base.queue_job_menu")
        self.assertEqual(
            menu.parent_id, self.env.ref("mp_connector_base.mp_journal_menu")
        )
        self.assertEqual(
            menu.groups_id,
            self.env.ref("mp_connector_base.group_mp_connector_base_manager"),
        )
        action = self.env.ref("mp_connector_base.queue_job_action")
        self.assertEqual(menu.action, action)
        domain = safe_eval(action.domain)
        ours = self.backend._schedule_listing_sync("drift")
        ours_jobs = self.env["queue.job"].search([("mp_run_id", "=", ours.id)])
        self.assertTrue(ours_jobs)
        other = self.env["res.partner"].with_delay().write({"comment": "x"})
        jobs = self.env["queue.job"].search(domain)
        self.assertTrue(ours_jobs <= jobs)
        self.assertNotIn(other.db_record(), jobs)
        # the run's Jobs button opens the same list, for its run
        opened = ours.action_open_jobs()
        self.assertEqual(opened["res_model"], "queue.job")
        self.assertEqual(opened["domain"], [("mp_run_id", "=", ours.id)])
        self.assertEqual(self.env["queue.job"].search(opened["domain"]), ours_jobs)
        # a job name says what it does, on which account, once
        self.assertEqual(
            ours_jobs.name, "Carrefour test: check listings for drift, page 1"
        )

    def test_journal_lists_explain_when_empty(self):
        for xmlid in (
            "mp_connector_base.mp_sync_run_action",
            "mp_connector_base.mp_sync_event_action",
            "mp_connector_base.queue_job_action",
            "mp_connector_base.mp_offer_binding_action",
            "mp_connector_base.mp_listing_review_action",
            "mp_connector_base.mp_offer_push_action",
            "mp_connector_base.mp_carrier_mapping_action",
        ):
            action = self.env.ref(xmlid)
            self.assertIn("o_view_nocontent_smiling_face", action.help or "", xmlid)
        journal = self.env.ref("mp_connector_base.mp_sync_run_action")
        self.assertIn("graph", journal.view_mode)
