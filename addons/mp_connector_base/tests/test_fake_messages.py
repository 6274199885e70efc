"""Buyers' messages through the fake connector: fetched once, posted in the
sale order's chatter with a reply activity, linked when their order comes,
answered from Odoo."""

from datetime import datetime, timedelta, timezone

from mphub.errors import RemoteError, TransientError

from odoo import Command
from odoo.exceptions import UserError
from odoo.sql_db import db_connect
from odoo.tests import Form, new_test_user

from ..services.locks import lock_key
from ..services.messages import REPLY_ACTIVITY, MessageStore
from .fake_common import FakeMessagesCase
from .fake_connector import inbox


class TestFakeMessagesFetch(FakeMessagesCase):
    def setUp(self):
        super().setUp()
        self.order_a = self.market.add_order(("FK-RED", 1))
        self.order_b = self.market.add_order(("FK-BLUE", 2))
        self.import_orders()
        self.sale_a = self.binding(self.order_a).sale_order_id
        self.sale_b = self.binding(self.order_b).sale_order_id

    def notes(self, record, text):
        return record.message_ids.filtered(lambda m: text in (m.body or ""))

    def reply_activities(self, record):
        return record.activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref(REPLY_ACTIVITY)
        )

    def test_messages_are_posted_with_a_reply_activity(self):
        salesperson = new_test_user(
            self.env, login="mp_salesperson", groups="sales_team.group_sale_salesman"
        )
        self.sale_a.user_id = salesperson
        first = self.inbox.add(self.order_a, "Where is <b>my</b> parcel?", "Delivery")
        self.inbox.add(self.order_a, "Can you gift wrap it?\nThanks")
        self.inbox.add(self.order_b, "Is it blue?", "Colour", author="OPERATOR")
        self.fetch_messages()
        self.assertEqual(len(self.messages()), 3)
        message = self.message(first)
        self.assertEqual(message.sale_order_id, self.sale_a)
        self.assertEqual(message.binding_id, self.binding(self.order_a))
        self.assertEqual(message.state, "to_reply")
        self.assertEqual(message.author, "customer")
        self.assertTrue(message.linked)
        note = message.chatter_message_id
        self.assertEqual(note.model, "sale.order")
        self.assertEqual(note.res_id, self.sale_a.id)
        # the buyer wrote it, as a note: the marketplace's text escaped
        self.assertEqual(note.author_id, self.sale_a.partner_id)
        self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))
        self.assertIn("Delivery", note.body)
        self.assertIn("&lt;b&gt;my&lt;/b&gt;", note.body)
        self.assertNotIn("<b>my</b>", note.body)
        self.assertEqual(len(self.notes(self.sale_a, "Buyer's message on")), 2)
        self.assertEqual(len(self.notes(self.sale_b, "customer service")), 1)
        activities = self.reply_activities(self.sale_a)
        self.assertEqual(len(activities), 2)
        self.assertEqual(activities.user_id, salesperson)
        self.assertEqual(
            message.activity_id.date_deadline,
            (message.created_at + timedelta(hours=24)).date(),
        )
        self.assertEqual(len(self.reply_activities(self.sale_b)), 1)
        # the order without salesperson: whoever answers for the account
        self.assertTrue(self.reply_activities(self.sale_b).user_id)

    def test_fetching_again_changes_nothing(self):
        self.inbox.add(self.order_a, "Where is my parcel?")
        self.inbox.add(self.order_b, "Is it blue?")
        self.fetch_messages()
        synced = self.backend.messages_synced_at
        self.assertTrue(synced)
        notes = self.sale_a.message_ids | self.sale_b.message_ids
        self.fetch_messages()
        self.assertEqual(len(self.messages()), 2)
        self.assertEqual(self.sale_a.message_ids | self.sale_b.message_ids, notes)
        self.assertEqual(len(self.reply_activities(self.sale_a)), 1)
        self.assertEqual(len(self.reply_activities(self.sale_b)), 1)
        # the second fetch asked from the cursor, minus the overlap
        since = self.market.calls_of("list_messages")[-1][0]
        overlap = timedelta(minutes=self.backend.import_overlap_minutes)
        self.assertEqual(since.replace(tzinfo=None), synced - overlap)
        self.assertGreaterEqual(self.backend.messages_synced_at, synced)

    def test_a_message_twice_in_a_page_is_one_record(self):
        self.inbox.page_size = 1
        first = self.inbox.add(self.order_a, "Where is my parcel?")
        self.inbox.add(self.order_a, "Hello?")
        self.fetch_messages()
        self.assertEqual(len(self.market.calls_of("list_messages")), 2)
        self.assertEqual(len(self.messages()), 2)
        # the marketplace answers the same message twice in a page
        self.inbox.page_size = 50
        page = self.inbox.page(datetime.now(timezone.utc) - timedelta(days=1), None)
        twice = [m for m in page.messages if m.external_id == first] * 2
        stats = MessageStore(self.backend).store(twice)
        self.assertEqual(stats, {"new": 0, "updated": 0, "unchanged": 1})
        self.assertEqual(len(self.messages().filtered(lambda m: m.body)), 2)
        self.assertEqual(len(self.notes(self.sale_a, "Buyer's message on")), 2)

    def test_a_fetch_waits_for_another_worker_and_stores_once(self):
        self.inbox.add(self.order_a, "Hello")
        other = db_connect(self.env.cr.dbname).cursor()
        self.addCleanup(other.close)
        self.addCleanup(other.rollback)
        other.execute(
            "SELECT pg_try_advisory_xact_lock(%s)",
            [lock_key(self.backend.id, "store-messages")],
        )
        self.assertTrue(other.fetchone()[0])
        with self.trap_jobs() as trap:
            self.backend._schedule_fetch_messages()
            # the cron again while the first fetch waits: no second fetch
            self.backend._schedule_fetch_messages()
            stats = self.run_jobs(trap, rounds=2)
            self.assertEqual(stats, {"performed": 0, "retried": 2, "failed": 0})
            self.assertFalse(self.market.calls_of("list_messages"))
            other.rollback()  # the other worker is done
            self.run_jobs(trap)
        self.assertEqual(len(self.market.calls_of("list_messages")), 1)
        self.assertEqual(len(self.messages()), 1)
        self.assertEqual(len(self.notes(self.sale_a, "Hello")), 1)
        self.assertEqual(len(self.reply_activities(self.sale_a)), 1)

    def test_a_message_changed_on_the_marketplace_closes_its_activity(self):
        incident = self.inbox.add(
            self.order_a, "The parcel arrived broken", "Damaged", kind="incident"
        )
        self.fetch_messages()
        message = self.message(incident)
        self.assertEqual(message.kind, "incident")
        self.assertIn("Incident opened", message.chatter_message_id.body)
        self.assertTrue(message.activity_id)
        self.inbox.change(incident, status="CLOSED")
        self.fetch_messages()
        self.assertEqual(message.state, "closed")
        self.assertFalse(message.activity_id)
        self.assertFalse(self.reply_activities(self.sale_a))

    def test_a_message_of_an_order_imported_later_is_linked_then(self):
        later = self.market.add_order(("FK-RED", 1), ago=0)
        self.inbox.add(later, "Please ship it fast")
        self.inbox.add(later, "Thanks", author="SELLER")
        # the messages are fetched before the next order import
        self.fetch_messages()
        waiting = self.messages().filtered(lambda m: m.order_external_id == later)
        self.assertEqual(len(waiting), 2)
        self.assertFalse(any(waiting.mapped("linked")))
        self.assertFalse(waiting.sale_order_id)
        self.import_orders()
        sale = self.binding(later).sale_order_id
        self.assertTrue(sale)
        self.assertEqual(waiting.sale_order_id, sale)
        self.assertTrue(all(waiting.mapped("linked")))
        # the seller's own message is listed, not posted nor to answer
        buyer = waiting.filtered(lambda m: m.author == "customer")
        seller = waiting - buyer
        self.assertEqual(buyer.chatter_message_id.res_id, sale.id)
        self.assertFalse(seller.chatter_message_id)
        self.assertEqual(seller.state, "no_reply")
        self.assertEqual(len(self.reply_activities(sale)), 1)
        self.assertEqual(sale.mp_message_count, 2)
        self.assertEqual(sale.mp_message_to_reply_count, 1)

    def test_a_message_of_an_order_not_imported_goes_to_the_order(self):
        cancelled = self.market.add_order(("FK-RED", 1), state="CANCELLED", ago=0)
        self.inbox.add(cancelled, "Why was it cancelled?")
        self.fetch_messages()
        message = self.messages().filtered(lambda m: m.order_external_id == cancelled)
        self.assertFalse(message.linked)
        self.import_orders()
        binding = self.binding(cancelled)
        self.assertEqual(binding.state, "skipped")
        self.assertFalse(message.linked)  # no sale order: the import's hook
        self.fetch_messages()  # the next fetch posts it on the order
        self.assertTrue(message.linked)
        self.assertEqual(message.binding_id, binding)
        self.assertEqual(message.chatter_message_id.model, "mp.order.binding")
        self.assertEqual(message.chatter_message_id.res_id, binding.id)
        self.assertEqual(len(self.reply_activities(binding)), 1)

    def test_a_message_about_no_order_goes_to_the_account(self):
        question = self.inbox.add(None, "Is the red one in stock?", "Stock")
        self.fetch_messages()
        message = self.message(question)
        self.assertFalse(message.sale_order_id)
        self.assertEqual(message.chatter_message_id.model, "mp.backend")
        self.assertEqual(message.chatter_message_id.res_id, self.backend.id)
        self.assertEqual(len(self.reply_activities(self.backend)), 1)

    def test_an_unreadable_message_is_journaled_and_the_rest_stored(self):
        self.inbox.add(self.order_a, "Fine")
        self.inbox.add(self.order_a, "Broken", **{"from": "ALIEN"})
        self.fetch_messages()
        self.assertEqual(len(self.messages()), 1)
        events = self.events("data_error")
        self.assertEqual(len(events), 1)
        self.assertIn("messages[", events.message)
        self.assertIn("ALIEN", events.message)

    def test_no_capability_no_fetch(self):
        self.market.capabilities = self.market.capabilities - {"messages"}
        self.inbox.add(self.order_a, "Hello")
        self.fetch_messages()
        self.assertFalse(self.market.calls_of("list_messages"))
        self.assertFalse(self.messages())
        self.assertFalse(self.backend.message_capable)

    def test_a_throttled_fetch_is_retried(self):
        self.inbox.add(self.order_a, "Hello")
        self.market.fail("list_messages", TransientError("503", retry_after=1))
        self.fetch_messages()
        self.assertEqual(self.job_stats["retried"], 1)
        self.assertEqual(len(self.messages()), 1)

    def test_the_dashboard_counts_messages_to_reply(self):
        old = self.inbox.add(self.order_a, "Old question", ago=60 * 30)
        self.inbox.change(old)  # seen again by the marketplace now
        self.inbox.add(self.order_b, "New question")
        self.inbox.add(self.order_b, "Answered", answered=True)
        self.fetch_messages()
        self.backend.invalidate_recordset()
        self.assertTrue(self.backend.message_capable)
        self.assertEqual(self.backend.message_to_reply_count, 2)
        self.assertEqual(self.backend.message_overdue_count, 1)
        overdue = self.env["mp.customer.message"].search([("is_overdue", "=", True)])
        self.assertEqual(overdue.body, "Old question")
        action = self.backend.action_open_messages()
        self.assertEqual(action["context"]["search_default_to_reply"], 1)
        context = action["context"]
        self.assertEqual(context["search_default_backend_id"], self.backend.id)


class TestFakeMessagesReply(FakeMessagesCase):
    def setUp(self):
        super().setUp()
        self.order = self.market.add_order(("FK-RED", 1))
        self.import_orders()
        self.sale = self.binding(self.order).sale_order_id
        self.external = self.inbox.add(self.order, "Where is my parcel?", "Delivery")
        self.fetch_messages()
        self.message_ = self.message(self.external)

    def reply(self, body):
        action = self.message_.action_open_reply_wizard()
        self.assertEqual(action["res_model"], "mp.customer.message.reply")
        wizard = Form(
            self.env["mp.customer.message.reply"].with_context(**action["context"])
        )
        wizard.body = body
        self.click(wizard.save().action_send)

    def test_a_reply_reaches_the_marketplace(self):
        activity = self.message_.activity_id
        self.assertTrue(activity)
        self.reply("It left this morning: <tracking> FK123")
        self.assertEqual(
            self.inbox.replies,
            [(self.external, "It left this morning: <tracking> FK123")],
        )
        self.assertEqual(self.message_.reply_state, "sent")
        self.assertEqual(self.message_.state, "answered")
        self.assertEqual(self.message_.reply_user_id, self.env.user)
        self.assertFalse(self.message_.activity_id)
        self.assertFalse(activity.exists())
        sent = self.sale.message_ids.filtered(
            lambda m: "Reply sent to the buyer" in (m.body or "")
        )
        self.assertEqual(len(sent), 1)
        self.assertIn("&lt;tracking&gt; FK123", sent.body)
        # the next fetch brings the answer and the seller's message back
        self.fetch_messages()
        self.assertEqual(self.message_.state, "answered")
        seller = self.messages().filtered(lambda m: m.author == "seller")
        self.assertEqual(len(seller), 1)
        self.assertEqual(seller.state, "no_reply")
        self.assertFalse(seller.chatter_message_id)
        self.assertEqual(self.sale.mp_message_to_reply_count, 0)

    def test_a_refused_reply_is_kept_and_sent_again(self):
        self.market.fail(
            "reply_message", RemoteError("message is locked", status=400, code="LOCK")
        )
        self.reply("On its way")
        self.assertEqual(self.message_.reply_state, "error")
        self.assertIn("message is locked", self.message_.reply_error)
        self.assertEqual(self.message_.state, "to_reply")
        self.assertTrue(self.message_.activity_id)
        self.assertFalse(self.inbox.replies)
        self.assertEqual(len(self.events("export_error")), 1)
        self.click(self.message_.action_retry_reply)
        self.assertEqual(self.message_.reply_state, "sent")
        self.assertFalse(self.message_.reply_error)
        self.assertEqual(self.inbox.replies, [(self.external, "On its way")])
        self.assertFalse(self.message_.activity_id)

    def test_a_transient_failure_is_retried_and_sent_once(self):
        self.market.fail("reply_message", TransientError("timeout"), times=2)
        self.reply("On its way")
        self.assertEqual(self.job_stats["retried"], 2)
        self.assertEqual(len(self.inbox.replies), 1)
        self.assertEqual(self.message_.reply_state, "sent")
        # the job run again (a worker's lost answer) sends nothing more
        self.assertEqual(self.message_._job_send_reply(), "Nothing to send.")
        self.assertEqual(len(self.inbox.replies), 1)

    def test_no_reply_to_the_sellers_own_message_nor_twice_at_once(self):
        with self.trap_jobs() as trap:
            self.message_._queue_reply("First")
            with self.assertRaises(UserError):
                self.message_._queue_reply("Second")
            with self.assertRaises(UserError):
                self.message_._queue_reply("   ")
            self.run_jobs(trap)
        self.assertEqual(self.inbox.replies, [(self.external, "First")])
        self.fetch_messages()
        seller = self.messages().filtered(lambda m: m.author == "seller")
        with self.assertRaises(UserError):
            seller.action_open_reply_wizard()


class TestFakeMessagesSecurity(FakeMessagesCase):
    def test_users_see_the_messages_of_their_companies_only(self):
        company = self.env["res.company"].create({"name": "Other fake shop"})
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", company.id)], limit=1
        )
        pricelist = self.env["product.pricelist"].create(
            {"name": "Other EUR", "currency_id": self.eur.id, "company_id": company.id}
        )
        other = self.create_fake_backend(
            "Fake other",
            company_id=company.id,
            warehouse_id=warehouse.id,
            pricelist_id=pricelist.id,
        )
        other_market = self.open_market(other)
        other_market.capabilities = other_market.capabilities | {"messages"}
        inbox(other_market).add(None, "Their question")
        self.inbox.add(None, "Our question")
        self.fetch_messages()
        self.fetch_messages(other)
        self.assertEqual(len(self.messages(other)), 1)
        user = new_test_user(
            self.env,
            login="mp_message_user",
            groups="mp_connector_base.group_mp_connector_base_user",
            company_id=self.env.company.id,
            company_ids=[Command.set(self.env.company.ids)],
        )
        messages = self.env["mp.customer.message"].with_user(user)
        visible = messages.search([])
        self.assertEqual(visible.mapped("body"), ["Our question"])
        self.assertNotIn("raw_payload_text", messages.fields_get())
        self.assertIn("raw_payload_text", self.env["mp.customer.message"].fields_get())
        # users answer buyers: they open the reply of their messages
        action = visible.action_open_reply_wizard()
        self.assertEqual(action["context"]["default_message_id"], visible.id)
