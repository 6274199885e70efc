"""Buyers' messages and incidents of Fnac (messages_query, incidents_query)
in the sale order's chatter, and the seller's replies written in Odoo sent
back through messages_update."""

from html import unescape

from .common import FnacCommon

QUESTION = "Bonjour, ma commande partira-t-elle avant samedi ? Merci"
REPLY = "Bonjour, elle part demain matin en Colissimo. Bonne journée"


class TestFnacMessages(FnacCommon):
    def fetch(self):
        with self.trap_jobs() as trap:
            self.backend.action_fetch_messages()
            self.run_jobs(trap)

    def messages(self, order_id):
        return self.env["mp.customer.message"].search(
            [
                ("backend_id", "=", self.backend.id),
                ("order_external_id", "=", order_id),
            ]
        )

    def imported_order(self):
        (order_id,) = self.create_orders(1)
        self.import_orders()
        binding = self.binding(order_id)
        self.assertEqual(binding.state, "done", binding.error_message)
        return order_id, binding.sale_order_id

    def chatter(self, order):
        return [unescape(body or "") for body in order.message_ids.mapped("body")]

    def test_a_buyers_message_reaches_the_chatter_and_the_reply_fnac(self):
        order_id, order = self.imported_order()
        self.fnac.post_message(self.shop, order_id, QUESTION, subject="shipping_delay")
        self.fetch()
        message = self.messages(order_id)
        self.assertEqual(len(message), 1)
        self.assertEqual(
            (message.kind, message.author, message.state),
            ("message", "customer", "to_reply"),
        )
        self.assertEqual(message.sale_order_id, order)
        self.assertTrue(any(QUESTION in body for body in self.chatter(order)))
        # an activity for the order's salesperson, due with the reply
        activity = message.activity_id
        self.assertTrue(activity)
        self.assertEqual(
            (activity.res_model, activity.res_id), ("sale.order", order.id)
        )
        self.assertEqual(activity.date_deadline, message.reply_due.date())
        # read again: nothing new
        posts = len(order.message_ids)
        self.fetch()
        self.assertEqual(len(self.messages(order_id)), 1)
        self.assertEqual(len(order.message_ids), posts)
        # the reply written in Odoo reaches the buyer through Fnac
        action = message.action_open_reply_wizard()
        wizard = (
            self.env[action["res_model"]]
            .with_context(**action["context"])
            .create({"body": REPLY})
        )
        with self.trap_jobs() as trap:
            wizard.action_send()
            self.run_jobs(trap)
        self.assertEqual(message.reply_state, "sent", message.reply_error)
        self.assertEqual(message.state, "answered")
        (reply,) = self.fnac.replies(self.shop, order_id)
        self.assertEqual(reply["body"], REPLY)
        self.assertEqual(reply["reply_to"], message.external_id)
        self.assertFalse(activity.exists())
        self.assertTrue(any(REPLY in body for body in self.chatter(order)))

    def test_an_incident_is_brought_with_the_messages(self):
        order_id, order = self.imported_order()
        self.fnac.open_incident(self.shop, order_id, "Article endommagé")
        self.fetch()
        incident = self.messages(order_id).filtered(lambda m: m.kind == "incident")
        self.assertEqual(len(incident), 1)
        self.assertEqual(incident.sale_order_id, order)
        self.assertTrue(incident.reply_expected)
        self.assertEqual(incident.state, "to_reply")
