from odoo import fields, models

from ..services.notify import CLOSE, notification


class MpCustomerMessageReply(models.TransientModel):
    """Write the seller's reply to a buyer's message; a job sends it to the
    marketplace (``mp.customer.message._queue_reply``)."""

    _name = "mp.customer.message.reply"
    _description = "Reply to a Marketplace Buyer Message"

    message_id = fields.Many2one(
        "mp.customer.message",
        required=True,
        ondelete="cascade",
    )
    backend_id = fields.Many2one(related="message_id.backend_id")
    subject = fields.Char(related="message_id.subject")
    message_body = fields.Text(related="message_id.body", string="Buyer's Message")
    body = fields.Text(
        string="Reply",
        required=True,
        help="Plain text, sent as it is to the buyer through the marketplace.",
    )

    def action_send(self):
        self.ensure_one()
        self.message_id._queue_reply(self.body)
        return notification(
            self.env._(
                "The reply is being sent to the buyer through %s.",
                self.backend_id.name,
            ),
            title=self.env._("Reply queued"),
            kind="success",
            next_action=CLOSE,
        )
