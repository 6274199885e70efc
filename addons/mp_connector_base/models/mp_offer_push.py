from odoo import api, fields, models

from odoo.addons.queue_job.job import identity_exact

from ..services.push_status import check_batch, follow_batch
from ..services.push_status import status_text as status_text  # kept importable
from ..services.stored_text import in_company_lang


class MpOfferPush(models.Model):
    """One batch of quantities or prices sent to a marketplace.

    Marketplaces take stock and price updates as asynchronous imports
    (Mirakl STO01/PRI01, Amazon feeds): the batch is sent, then polled
    until the marketplace reports it done, with its per-offer errors. The
    offers of the batch are confirmed or put in error then.
    """

    _name = "mp.offer.push"
    _inherit = ["mp.account.mixin"]
    _description = "Marketplace Stock/Price Push"
    _order = "date_sent desc, id desc"

    run_id = fields.Many2one("mp.sync.run", string="Export Run", ondelete="set null")
    kind = fields.Selection(
        [("stock", "Stock"), ("price", "Price")], required=True, readonly=True
    )
    external_id = fields.Char(
        string="Marketplace Import ID", readonly=True, index="btree_not_null"
    )
    state = fields.Selection(
        [
            ("sent", "Sent"),
            ("done", "Done"),
            ("partial", "Done with Errors"),
            ("failed", "Failed"),
        ],
        default="sent",
        required=True,
        readonly=True,
        index=True,
    )
    date_sent = fields.Datetime(default=fields.Datetime.now, readonly=True)
    date_done = fields.Datetime(readonly=True)
    line_count = fields.Integer(string="Offers", readonly=True)
    error_count = fields.Integer(string="Errors", readonly=True)
    message = fields.Text(readonly=True)
    payload = fields.Text(
        readonly=True, help="What was sent: SKU and value of each offer (JSON)."
    )
    batch_skus = fields.Text(
        string="Batch SKUs",
        readonly=True,
        help="SKUs in the order of the batch's messages (JSON), when the batch "
        "carries quantities and prices together.",
    )
    offer_ids = fields.Many2many(
        "mp.offer.binding", compute="_compute_offer_ids", string="Offers Pushed"
    )

    def _offer_field(self):
        self.ensure_one()
        return "stock_push_id" if self.kind == "stock" else "price_push_id"

    def _compute_offer_ids(self):
        for push in self:
            push.offer_ids = self.env["mp.offer.binding"].search(
                [(push._offer_field(), "=", push.id)]
            )

    @api.depends("backend_id", "kind", "external_id")
    def _compute_display_name(self):
        for push in self:
            push.display_name = self.env._(
                "%(backend)s: %(push)s",
                backend=push.backend_id.name or "?",
                push=push._short_name(),
            )

    def _short_name(self):
        """ "Stock push 2035", without the account's name."""
        self.ensure_one()
        ref = self.external_id or f"#{self.id or ''}"
        if self.kind == "price":
            return self.env._("Price push %s", ref)
        return self.env._("Stock push %s", ref)

    def action_check_now(self):
        """Ask the marketplace where the batch stands, now (in a job, as
        every call to a marketplace)."""
        self.filtered(lambda p: p.state == "sent")._queue_check(delay=0)
        return True

    # ------------------------------------------------------------------
    # polling
    # ------------------------------------------------------------------
    def _follow_batch(self, batch_id):
        """What follows the sending of the batch these pushes share:
        ``batch_id`` is what the client's push answered."""
        return follow_batch(self, batch_id)

    def _queue_check(self, delay=None):
        for push in self:
            backend = in_company_lang(push.backend_id, push.company_id)
            if push.kind == "price":
                description = backend.env._(
                    "%(backend)s: follow price push %(ref)s (%(count)s offer(s))",
                    backend=backend.name,
                    ref=push.external_id or push.id,
                    count=push.line_count,
                )
            else:
                description = backend.env._(
                    "%(backend)s: follow stock push %(ref)s (%(count)s offer(s))",
                    backend=backend.name,
                    ref=push.external_id or push.id,
                    count=push.line_count,
                )
            backend._enqueue(
                push,
                "_job_check",
                preset="push_check",
                eta=delay if delay is not None else backend.push_poll_delay,
                identity_key=identity_exact,
                description=description,
            )

    def _job_check(self):
        return in_company_lang(self.sudo(), self.company_id)._check()

    def _check(self):
        """Apply the marketplace's report of the batch, or wait for it."""
        return check_batch(self)

    def _offer_columns(self):
        """(state, sent, confirmed) columns of the offers for this kind."""
        self.ensure_one()
        if self.kind == "stock":
            return "stock_state", "sent_quantity", "confirmed_quantity"
        return "price_state", "sent_price", "confirmed_price"
