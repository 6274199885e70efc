import json

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..services.messages import MessageLinker, ReplySender
from ..services.notify import notification
from ..services.order_store import stored

KIND_SELECTION = [("message", "Message"), ("incident", "Incident")]
AUTHOR_SELECTION = [
    ("customer", "Buyer"),
    ("operator", "Marketplace Operator"),
    ("seller", "Seller"),
    ("system", "Marketplace"),
]


class MpCustomerMessage(models.Model):
    """A buyer's message or incident, read from the marketplace.

    One record per account and marketplace message id, whatever the number
    of fetches and workers (``services/messages.py``): its text is posted
    once in the sale order's chatter, with an activity for whoever answers
    while a reply is expected; the reply written here goes back to the
    marketplace through a job.
    """

    _name = "mp.customer.message"
    _inherit = ["mp.account.mixin"]
    _description = "Marketplace Buyer Message"
    _order = "created_at desc, id desc"
    _rec_name = "subject"

    external_id = fields.Char(string="Marketplace ID", required=True, index=True)
    kind = fields.Selection(KIND_SELECTION, required=True, default="message")
    author = fields.Selection(AUTHOR_SELECTION, string="From", required=True)
    subject = fields.Char()
    body = fields.Text(string="Message")
    created_at = fields.Datetime(string="Written On", required=True, index=True)
    updated_at = fields.Datetime(string="Updated on Marketplace")
    order_external_id = fields.Char(
        string="Marketplace Order",
        index="btree_not_null",
        help="The order the message is about, as the marketplace names it; "
        "empty for questions about an offer.",
    )
    binding_id = fields.Many2one(
        "mp.order.binding",
        string="Order",
        ondelete="set null",
        index="btree_not_null",
    )
    sale_order_id = fields.Many2one(
        "sale.order", ondelete="set null", index="btree_not_null"
    )
    partner_id = fields.Many2one(related="sale_order_id.partner_id", string="Customer")
    reply_expected = fields.Boolean(
        help="The marketplace expects the seller to answer this message."
    )
    reply_due = fields.Datetime(
        string="Reply Before",
        help="When the reply is due: the message's date plus the account's "
        "reply delay.",
    )
    is_overdue = fields.Boolean(
        string="Overdue", compute="_compute_is_overdue", search="_search_is_overdue"
    )
    state = fields.Selection(
        [
            ("to_reply", "To Reply"),
            ("answered", "Answered"),
            ("no_reply", "No Reply Needed"),
            ("closed", "Closed"),
        ],
        required=True,
        default="no_reply",
        index=True,
    )
    marketplace_state = fields.Char(
        string="State on Marketplace",
        help="The message's state as the marketplace names it.",
    )
    reply_body = fields.Text(string="Reply")
    reply_state = fields.Selection(
        [
            ("none", "Not Sent"),
            ("pending", "Being Sent"),
            ("sent", "Sent"),
            ("error", "Error"),
        ],
        required=True,
        default="none",
    )
    reply_error = fields.Text()
    reply_date = fields.Datetime(string="Replied On", readonly=True)
    reply_user_id = fields.Many2one("res.users", string="Replied By", readonly=True)
    linked = fields.Boolean(
        readonly=True,
        index=True,
        help="The message found its order (or needs none) and was posted "
        "where it belongs.",
    )
    chatter_message_id = fields.Many2one(
        "mail.message", string="Chatter Note", ondelete="set null", readonly=True
    )
    activity_id = fields.Many2one(
        "mail.activity", string="Reply Activity", ondelete="set null", readonly=True
    )
    payload_hash = fields.Char(copy=False)
    extra_data = fields.Json(copy=False, prefetch=False)
    raw_payload = fields.Json(string="Payload", prefetch=False, copy=False)
    raw_payload_text = fields.Text(
        string="Raw Payload",
        compute="_compute_raw_payload_text",
        groups="mp_connector_base.group_mp_connector_base_manager",
    )

    _sql_constraints = [
        (
            "external_uniq",
            "unique(backend_id, external_id)",
            "A marketplace message is recorded once per account.",
        ),
    ]

    @api.depends("state", "reply_due")
    def _compute_is_overdue(self):
        now = fields.Datetime.now()
        for message in self:
            message.is_overdue = bool(
                message.state == "to_reply"
                and message.reply_due
                and message.reply_due < now
            )

    def _search_is_overdue(self, operator, value):
        if operator not in ("=", "!="):
            raise UserError(self.env._("Unsupported search on Overdue."))
        overdue = [
            ("state", "=", "to_reply"),
            ("reply_due", "<", fields.Datetime.now()),
        ]
        if (operator == "=") == bool(value):
            return overdue
        return [
            "|",
            "|",
            ("state", "!=", "to_reply"),
            ("reply_due", "=", False),
            ("reply_due", ">=", fields.Datetime.now()),
        ]

    @api.depends("raw_payload")
    def _compute_raw_payload_text(self):
        for message in self:
            raw = stored(message.raw_payload)
            message.raw_payload_text = (
                json.dumps(raw, indent=2, ensure_ascii=False) if raw else False
            )

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------
    def action_open_reply_wizard(self):
        """The reply dialog of this message."""
        self.ensure_one()
        self.check_access("write")
        ReplySender(self).check_can_reply()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reply to the Buyer"),
            "res_model": "mp.customer.message.reply",
            "view_mode": "form",
            "target": "new",
            "context": {"default_message_id": self.id},
        }

    def action_retry_reply(self):
        """Send again a reply the marketplace refused."""
        self.check_access("write")
        for message in self:
            if message.reply_state != "error" or not message.reply_body:
                raise UserError(
                    self.env._(
                        "Only a refused reply can be sent again (%s).",
                        message.display_name,
                    )
                )
            ReplySender(message).queue(message.reply_body)
        return notification(
            self.env._("The reply is being sent to the marketplace again."),
            kind="success",
        )

    def action_open_sale_order(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "res_id": self.sale_order_id.id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------------
    # jobs and hooks
    # ------------------------------------------------------------------
    def _queue_reply(self, body):
        """Store the reply ``body`` and queue its sending (a job)."""
        self.ensure_one()
        self.check_access("write")
        ReplySender(self).queue(body)

    def _job_send_reply(self):
        """Job: send the stored reply (as superuser: any user who may
        answer buyers may send it), in the company's language."""
        return ReplySender(self.sudo()).send()

    @api.model
    def _link_orders(self, bindings):
        """Hook of the order import: the messages waiting for these orders
        are linked to them, posted in their sale orders' chatter."""
        MessageLinker(self.sudo()).link_bindings(bindings)

    @api.model
    def _cron_fetch_messages(self):
        """Queue the message fetch of every account whose marketplace has
        buyers' messages."""
        self.env["mp.backend"].search([])._schedule_fetch_messages()
