"""The overview of accounts (the Marketplaces app's first screen): counts,
revenue, health and the lists its counts open."""

from datetime import timedelta

from lxml import etree

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import MiraklCommon


@tagged("post_install", "-at_install")
class TestOverview(MiraklCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner = cls.env["res.partner"].create({"name": "Overview buyer"})
        cls.company = cls.env.company
        cls.counter = 0

    def binding(self, placed, state="done", amount=None, sale_state=None, **values):
        """An order of ``self.backend`` placed on the marketplace at
        ``placed``; with a sale order of ``amount`` (no tax) if given."""
        TestOverview.counter += 1
        vals = {
            "backend_id": self.backend.id,
            "external_id": f"OVERVIEW-{self.counter}",
            "marketplace_created_at": placed,
            "state": state,
            **values,
        }
        if amount is not None:
            order = self.env["sale.order"].create(
                {
                    "partner_id": self.partner.id,
                    "pricelist_id": self.pricelist.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.products[0].id,
                                "product_uom_qty": 1,
                                "price_unit": amount,
                                "tax_id": [Command.clear()],
                            }
                        )
                    ],
                }
            )
            if sale_state == "cancel":
                order._action_cancel()
            vals["sale_order_id"] = order.id
        return self.env["mp.order.binding"].create(vals)

    def in_company_currency(self, orders):
        today = fields.Date.context_today(self.backend)
        return sum(
            order.currency_id._convert(
                order.amount_total, self.company.currency_id, self.company, today
            )
            for order in orders
        )

    def search_filter(self, model, name, xmlid=None):
        """The node of the filter ``name`` of the search view of ``model`` (of
        the action ``xmlid`` if given); fails when the view has none."""
        view_id = False
        if xmlid:
            view_id = self.env.ref(xmlid).search_view_id.id
        views = self.env[model].get_views([(view_id, "search")])
        arch = etree.fromstring(views["views"]["search"]["arch"])
        nodes = arch.xpath(f"//filter[@name='{name}']")
        self.assertEqual(len(nodes), 1, f"no filter {name} in the search view")
        return nodes[0]

    def search_filter_domain(self, model, name):
        return safe_eval(self.search_filter(model, name).get("domain"))

    # ------------------------------------------------------------------
    # what arrived today
    # ------------------------------------------------------------------
    def test_orders_placed_today_not_imported_today(self):
        now = fields.Datetime.now()
        today = self.binding(now, amount=100.0)
        self.binding(now, state="error")
        # imported now (create_date today), placed three days ago
        older = self.binding(now - timedelta(days=3), amount=40.0)
        self.binding(now - timedelta(days=10), amount=7.0)
        # not imported (first seen in a state not imported), placed today
        self.binding(now, state="skipped")
        cancelled = self.binding(now, amount=55.0, sale_state="cancel")
        self.assertEqual(older.create_date.date(), now.date())
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.order_count, 6)
        self.assertEqual(self.backend.order_today_count, 4)
        self.assertEqual(self.backend.order_week_count, 5)
        self.assertEqual(cancelled.sale_order_id.state, "cancel")
        self.assertAlmostEqual(
            self.backend.revenue_today,
            self.in_company_currency(today.sale_order_id),
        )
        self.assertAlmostEqual(
            self.backend.revenue_week,
            self.in_company_currency(today.sale_order_id | older.sale_order_id),
        )
        self.assertGreater(self.backend.revenue_week, self.backend.revenue_today)
        # the list the count opens says so in its search bar
        action = self.backend.action_open_orders_today()
        self.assertEqual(action["name"], "Orders placed today - Carrefour test")
        self.assertFalse(action["domain"])
        context = action["context"]
        self.assertEqual(context["search_default_backend_id"], self.backend.id)
        self.assertEqual(context["search_default_filter_today"], 1)
        self.search_filter("mp.order.binding", "filter_today")
        # no filter says "last 7 days": its list has the count's orders
        week = self.backend.action_open_orders_week()
        found = self.env["mp.order.binding"].search(
            week["domain"] + [("backend_id", "=", self.backend.id)]
        )
        self.assertEqual(len(found), 5)
        self.assertIn(older, found)

    def test_today_follows_the_users_time_zone(self):
        tz = "Pacific/Kiritimati"  # UTC+14: its day is not UTC's
        start = self.backend.with_context(tz=tz)._start_of_today()
        self.binding(start + timedelta(minutes=1))
        self.binding(start - timedelta(minutes=1))
        backend = self.backend.with_context(tz=tz)
        self.assertEqual(backend.order_today_count, 1)
        self.assertEqual(backend.order_week_count, 2)

    # ------------------------------------------------------------------
    # health
    # ------------------------------------------------------------------
    def test_healthy_account_says_so(self):
        self.backend.write(
            {
                "last_import_date": fields.Datetime.now() - timedelta(minutes=10),
                "consecutive_failures": 0,
            }
        )
        self.binding(fields.Datetime.now())
        self.assertEqual(self.backend.health_state, "ok")
        self.assertEqual(self.backend.health_reason, "Last import 10 min ago")
        labels = dict(
            self.backend._fields["health_state"]._description_selection(self.env)
        )
        self.assertEqual(labels["ok"], "OK")

    def test_failing_account_says_why(self):
        self.backend.write(
            {
                "last_import_date": fields.Datetime.now() - timedelta(hours=5),
                "consecutive_failures": 2,
                "last_failure_date": fields.Datetime.now() - timedelta(hours=2),
                "last_failure_message": "Carrefour test: the marketplace refused "
                "the credentials (HTTP 401).\nTraceback...",
            }
        )
        for _i in range(3):
            self.binding(fields.Datetime.now(), state="error")
        self.assertEqual(self.backend.health_state, "error")
        self.assertEqual(
            self.backend.health_reason,
            "Last import failed 2 h ago: the marketplace refused the credentials "
            "(HTTP 401); 3 orders in error",
        )

    def test_orders_in_error_and_stale_imports_warn(self):
        self.backend.last_import_date = fields.Datetime.now() - timedelta(hours=6)
        self.binding(fields.Datetime.now(), state="error")
        self.assertEqual(self.backend.health_state, "warning")
        self.assertEqual(
            self.backend.health_reason, "1 order in error; no import for 6 h"
        )

    # ------------------------------------------------------------------
    # the lists the overview opens
    # ------------------------------------------------------------------
    def test_lists_are_named_and_filtered_in_the_search_bar(self):
        now = fields.Datetime.now()
        self.binding(now, state="error")
        self.binding(now, state="new")
        self.binding(now, accept_state="to_decide")
        self.binding(now, ship_state="error")
        self.binding(now)
        other = self._create_backend("Boulanger test", "boulanger", "other-key")
        self.binding(now, state="error", backend_id=other.id)
        self.backend.invalidate_recordset()
        cases = [
            ("action_open_orders", "Orders - Carrefour test", [], 5),
            (
                "action_open_errors",
                "Orders in error - Carrefour test",
                ["filter_error"],
                1,
            ),
            (
                "action_open_pending",
                "Orders waiting to be processed - Carrefour test",
                ["filter_pending"],
                1,
            ),
            (
                "action_open_to_decide",
                "Orders to accept or refuse - Carrefour test",
                ["filter_to_accept"],
                1,
            ),
            (
                "action_open_export_errors",
                "Status exports in error - Carrefour test",
                ["filter_export_error"],
                1,
            ),
        ]
        self.assertEqual(self.backend.order_error_count, 1)
        self.assertEqual(self.backend.order_to_decide_count, 1)
        self.assertEqual(self.backend.export_error_count, 1)
        bindings = self.env["mp.order.binding"]
        for method, name, filters, count in cases:
            action = getattr(self.backend, method)()
            self.assertEqual(action["name"], name)
            self.assertEqual(action["display_name"], name)
            # nothing hidden: the account and the filters are in the search bar
            self.assertFalse(action["domain"], method)
            context = action["context"]
            self.assertEqual(context["search_default_backend_id"], self.backend.id)
            domain = [("backend_id", "=", self.backend.id)]
            for filter_name in filters:
                self.assertEqual(context[f"search_default_{filter_name}"], 1)
                domain += self.search_filter_domain("mp.order.binding", filter_name)
            self.assertEqual(bindings.search_count(domain), count, method)

        journal = self.backend.action_open_runs()
        self.assertEqual(journal["name"], "Journal - Carrefour test")
        self.assertEqual(journal["display_name"], journal["name"])
        self.assertFalse(journal["domain"])
        self.assertEqual(
            journal["context"]["search_default_backend_id"], self.backend.id
        )
        for key in journal["context"]:
            if key.startswith("search_default_") and key != "search_default_backend_id":
                self.search_filter("mp.sync.run", key.removeprefix("search_default_"))
        failed_runs = self.backend.action_open_failed_runs()
        self.assertEqual(failed_runs["name"], "Failed runs - Carrefour test")
        self.assertFalse(failed_runs["domain"])
        self.assertEqual(failed_runs["context"]["search_default_failed"], 1)
        self.search_filter("mp.sync.run", "failed")

        jobs = self.backend.action_open_failed_jobs()
        self.assertEqual(jobs["name"], "Failed jobs - Carrefour test")
        self.assertEqual(jobs["display_name"], jobs["name"])
        self.assertFalse(jobs["domain"])
        self.assertEqual(
            jobs["context"],
            {
                "search_default_mp_backend_id": self.backend.id,
                "search_default_failed": 1,
            },
        )
        self.search_filter(
            "queue.job", "failed", xmlid="mp_connector_base.queue_job_action"
        )
        job_search = self.env.ref("mp_connector_base.queue_job_action").search_view_id
        self.assertIn('name="mp_backend_id"', job_search.arch)

    # ------------------------------------------------------------------
    # connection test and job names
    # ------------------------------------------------------------------
    def test_refused_credentials_name_what_to_check(self):
        self.backend.api_key = "wrong-key"
        with self.assertRaisesRegex(UserError, "Check the API key"):
            self.backend.action_test_connection()
        if "amazon" not in dict(
            self.env["mp.backend"]._fields["backend_type"].selection
        ):
            self.skipTest("mp_amazon is not installed")
        backends = self.env["mp.backend"]
        amazon = backends.create(
            {
                **self.env["mp.demo"]._amazon_sandbox_values(
                    self.sandbox.urls["amazon"]
                ),
                "name": "Amazon overview",
                "amazon_refresh_token": "Atzr|not-a-token",
                "warehouse_id": self.warehouse.id,
                "pricelist_id": self.pricelist.id,
                "request_timeout": 5,
            }
        )
        with self.assertRaises(UserError) as caught:
            amazon.action_test_connection()
        message = str(caught.exception)
        self.assertIn("refused the credentials", message)
        self.assertIn("refresh token", message)
        self.assertNotIn("API key", message)

    def test_connection_message_names_the_account_once(self):
        action = self.backend.action_test_connection()
        message = action["params"]["message"]
        self.assertEqual(message.count("Carrefour test"), 1)

    def test_job_descriptions_read_as_sentences(self):
        with self.trap_jobs() as trap:
            self.backend._schedule_import_orders()
        self.assertEqual(
            [job.description for job in trap.enqueued_jobs],
            ["Carrefour test: import orders, page 1"],
        )
        one = self.binding(fields.Datetime.now(), state="new")
        two = self.binding(fields.Datetime.now(), state="new")
        self.backend.batch_size = 1
        with self.trap_jobs() as trap:
            self.backend._enqueue_processing(one)
            self.backend.batch_size = 2
            self.backend._enqueue_processing(one | two)
        self.assertEqual(
            [job.description for job in trap.enqueued_jobs],
            ["Carrefour test: process 1 order", "Carrefour test: process 2 orders"],
        )

    # ------------------------------------------------------------------
    # demo taxes
    # ------------------------------------------------------------------
    def test_each_demo_vat_rate_has_its_own_group(self):
        company = self.env["res.company"].create(
            {"name": "Overview France", "country_id": self.env.ref("base.fr").id}
        )
        demo = self.env["mp.demo"]
        taxes = {rate: demo._sandbox_sale_tax(company, rate) for rate in (20, 5.5)}
        groups = {rate: tax.tax_group_id for rate, tax in taxes.items()}
        self.assertNotEqual(groups[20], groups[5.5])
        self.assertEqual(groups[20].name, "VAT 20%")
        self.assertEqual(groups[5.5].name, "VAT 5.5%")
        for group in groups.values():
            self.assertEqual(group.company_id, company)
            self.assertEqual(group.country_id, self.env.ref("base.fr"))
        # another tax of a rate joins the group of the rate
        excluded = demo._sandbox_sale_tax(company, 20, included=False)
        self.assertNotEqual(excluded, taxes[20])
        self.assertEqual(excluded.tax_group_id, groups[20])
        self.assertEqual(demo._sandbox_sale_tax(company, 20), taxes[20])
