import json

from mphub.offers import PushStatus

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import identity_exact


class MpOfferPush(models.Model):
    """One batch of quantities or prices sent to a marketplace.

    Marketplaces take stock and price updates as asynchronous imports
    (Mirakl STO01/PRI01, Amazon feeds): the batch is sent, then polled
    until the marketplace reports it done, with its per-offer errors. The
    offers of the batch are confirmed or put in error then.
    """

    _name = "mp.offer.push"
    _description = "Marketplace Stock/Price Push"
    _order = "date_sent desc, id desc"

    backend_id = fields.Many2one(
        "mp.backend",
        string="Marketplace Account",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(
        related="backend_id.company_id", store=True, index=True
    )
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
        labels = dict(self._fields["kind"]._description_selection(self.env))
        for push in self:
            ref = push.external_id or f"#{push.id}"
            push.display_name = self.env._(
                "%(backend)s: %(kind)s push %(ref)s",
                backend=push.backend_id.name or "?",
                kind=labels.get(push.kind, ""),
                ref=ref,
            )

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
        if isinstance(batch_id, PushStatus):  # answered at once
            for push in self:
                push._apply_status(batch_id)
        elif batch_id:
            self[:1]._queue_check()  # one check applies to every push
        else:  # applied at once
            for push in self:
                push._apply_status(PushStatus(done=True))
        return self

    def _queue_check(self, delay=None):
        for push in self:
            backend = push.backend_id
            backend._enqueue(
                push,
                "_job_check",
                priority=20,
                eta=delay if delay is not None else backend.push_poll_delay,
                max_retries=200,
                identity_key=identity_exact,
                channel="root.marketplace.export",
                description=self.env._(
                    "%(backend)s: follow %(push)s",
                    backend=backend.name,
                    push=push.display_name,
                ),
            )

    def _job_check(self):
        return self.sudo()._check()

    def _check(self):
        """Apply the marketplace's report of the batch, or wait for it."""
        self.ensure_one()
        if self.state != "sent":
            return self.env._("Already %s.", self.state)
        backend = self.backend_id
        if self.batch_skus:
            skus = json.loads(self.batch_skus)
        else:
            skus = list(json.loads(self.payload or "{}"))
        with backend._map_errors(run=self.run_id, what=self.display_name):
            status = backend._get_client().push_status(
                self.kind, self.external_id, skus=skus
            )
        if not status.done:
            # not a failure: the marketplace is still working on it
            raise RetryableJobError(
                self.env._("Marketplace still processing"),
                seconds=backend.push_poll_delay,
            )
        for push in self._same_batch():
            push._apply_status(status)
        return self.env._(
            "%(lines)s offer(s), %(errors)s error(s).",
            lines=self.line_count,
            errors=self.error_count,
        )

    def _same_batch(self):
        """This push and the other kind's push of the same batch, if any."""
        self.ensure_one()
        if not self.batch_skus:
            return self
        return self | self.search(
            [
                ("backend_id", "=", self.backend_id.id),
                ("external_id", "=", self.external_id),
                ("batch_skus", "!=", False),
                ("state", "=", "sent"),
            ]
        )

    def _apply_status(self, status):
        """Confirm the batch's offers, or put those refused in error."""
        field = self._offer_field()
        state_col, sent_col, confirmed_col = (
            ("stock_state", "sent_quantity", "confirmed_quantity")
            if self.kind == "stock"
            else ("price_state", "sent_price", "confirmed_price")
        )
        now = fields.Datetime.now()
        offers = self.env["mp.offer.binding"]
        self.env.flush_all()
        if status.failed:
            message = status.message or self.env._(
                "The marketplace rejected the batch."
            )
            self.env.cr.execute(
                SQL(
                    "UPDATE mp_offer_binding SET %(state)s = 'error', push_error = "
                    "%(message)s WHERE %(field)s = %(push)s",
                    state=SQL.identifier(state_col),
                    message=message,
                    field=SQL.identifier(field),
                    push=self.id,
                )
            )
            self.write({"state": "failed", "date_done": now, "message": message})
        else:
            errors = status.errors or {}
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE mp_offer_binding
                       SET %(state)s = 'confirmed', %(confirmed)s = %(sent)s,
                           date_confirmed = %(now)s, push_error = NULL,
                           drift = false, drift_note = NULL
                     WHERE %(field)s = %(push)s AND NOT (seller_sku = ANY(%(errors)s))
                    """,
                    state=SQL.identifier(state_col),
                    confirmed=SQL.identifier(confirmed_col),
                    sent=SQL.identifier(sent_col),
                    now=now,
                    field=SQL.identifier(field),
                    push=self.id,
                    errors=list(errors),
                )
            )
            for sku, message in errors.items():
                self.env.cr.execute(
                    SQL(
                        "UPDATE mp_offer_binding SET %(state)s = 'error', "
                        "push_error = %(message)s WHERE %(field)s = %(push)s "
                        "AND seller_sku = %(sku)s",
                        state=SQL.identifier(state_col),
                        message=message,
                        field=SQL.identifier(field),
                        push=self.id,
                        sku=sku,
                    )
                )
            self.write(
                {
                    "state": "partial" if errors else "done",
                    "date_done": now,
                    "error_count": len(errors),
                    "message": status.message or False,
                }
            )
        # has_error is stored: keep it in step with the states set above
        self.env.cr.execute(
            SQL(
                "UPDATE mp_offer_binding SET has_error = (stock_state = 'error' "
                "OR price_state = 'error') WHERE %(field)s = %(push)s",
                field=SQL.identifier(field),
                push=self.id,
            )
        )
        offers.invalidate_model()
        if self.error_count or self.state == "failed":
            self.backend_id._log_event(
                "error",
                self.env._(
                    "%(push)s: %(count)s offer(s) rejected by the marketplace.",
                    push=self.display_name,
                    count=self.error_count or self.line_count,
                ),
                run=self.run_id,
                event_type="data_error",
            )
