import json

from markupsafe import Markup
from mphub.offers import PushStatus

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.mail import generate_tracking_message_id

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import identity_exact

from ..services.stored_text import in_company_lang


def _status_words(env):
    """Words for the status codes marketplaces answer about a batch (Mirakl
    import statuses, Amazon feed processing statuses)."""
    return {
        "WAITING": env._("Waiting"),
        "QUEUED": env._("Queued"),
        "WAITING_SYNCHRONIZATION_PRODUCT": env._("Waiting for the products"),
        "RUNNING": env._("Running"),
        "IN_QUEUE": env._("Queued"),
        "IN_PROGRESS": env._("In progress"),
        "COMPLETE": env._("Completed"),
        "DONE": env._("Completed"),
        "FAILED": env._("Failed"),
        "CANCELLED": env._("Cancelled by the marketplace"),
        "FATAL": env._("Rejected by the marketplace"),
        "patchListingsItem": env._("Applied offer by offer"),
        "unknown processing status": env._("Status not given yet"),
    }


def status_text(env, message):
    """``message`` (a marketplace's status code or reason) in words: a bare
    code is replaced, a code opening a reason is put in words before it."""
    if not message:
        return message
    words = _status_words(env)
    text = str(message).strip()
    if text in words:
        return words[text]
    head, sep, rest = text.partition(" ")
    if sep and head in words and head.isupper():
        rest = rest.strip()
        if rest.startswith("with errors:"):
            return env._(
                "%(status)s with errors: %(reason)s",
                status=words[head],
                reason=rest[len("with errors:") :].strip(),
            )
        return env._("%(status)s: %(reason)s", status=words[head], reason=rest)
    return text


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
                priority=20,
                eta=delay if delay is not None else backend.push_poll_delay,
                max_retries=200,
                identity_key=identity_exact,
                channel="root.marketplace.export",
                description=description,
            )

    def _job_check(self):
        return in_company_lang(self.sudo(), self.company_id)._check()

    def _check(self):
        """Apply the marketplace's report of the batch, or wait for it."""
        self.ensure_one()
        if self.state != "sent":
            labels = dict(self._fields["state"]._description_selection(self.env))
            return self.env._("Already %s.", labels.get(self.state, self.state))
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
                self.env._(
                    "The marketplace is still processing the batch (%s).",
                    status_text(self.env, status.message) or self.env._("no status"),
                ),
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
        """Confirm the batch's offers, or put those refused in error; note
        on each offer what the marketplace confirmed or refused."""
        field = self._offer_field()
        state_col, sent_col, confirmed_col = self._offer_columns()
        now = fields.Datetime.now()
        offers = self.env["mp.offer.binding"]
        self.env.flush_all()
        before = self._offer_snapshot()
        message = status_text(self.env, status.message)
        errors = {}
        if status.failed:
            message = message or self.env._("The marketplace rejected the batch.")
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
            for sku, error in errors.items():
                self.env.cr.execute(
                    SQL(
                        "UPDATE mp_offer_binding SET %(state)s = 'error', "
                        "push_error = %(message)s WHERE %(field)s = %(push)s "
                        "AND seller_sku = %(sku)s",
                        state=SQL.identifier(state_col),
                        message=error,
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
                    "message": message or False,
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
        self._log_offer_changes(before, errors)
        rejected = self.line_count if self.state == "failed" else self.error_count
        if rejected:
            if self.run_id:
                self.run_id.count_error += rejected
            self.backend_id._log_event(
                "error",
                self.env._(
                    "%(push)s: %(count)s offer(s) rejected by the marketplace.",
                    push=self.display_name,
                    count=rejected,
                ),
                run=self.run_id,
                event_type="data_error",
            )

    def _offer_columns(self):
        """(state, sent, confirmed) columns of the offers for this kind."""
        self.ensure_one()
        if self.kind == "stock":
            return "stock_state", "sent_quantity", "confirmed_quantity"
        return "price_state", "sent_price", "confirmed_price"

    def _offer_snapshot(self):
        """{offer id: (SKU, confirmed value)} of the push's offers; the value
        is None for an offer the marketplace never confirmed."""
        _state, _sent, confirmed = self._offer_columns()
        self.env.cr.execute(
            SQL(
                "SELECT id, seller_sku, %(confirmed)s FROM mp_offer_binding "
                "WHERE %(field)s = %(push)s",
                confirmed=SQL.identifier(confirmed),
                field=SQL.identifier(self._offer_field()),
                push=self.id,
            )
        )
        return {row[0]: (row[1], row[2]) for row in self.env.cr.fetchall()}

    def _log_offer_changes(self, before, errors):
        """Note on the offers' chatter what this push changed: the confirmed
        quantity or price when it differs from the one confirmed before, the
        rejection of an offer with its reason; one note per offer and push.

        Nothing is written for an unchanged value, for an offer's first
        confirmation (its form shows it; a first export of a whole catalogue
        must not write a note per offer) nor for a batch rejected as a whole
        (the push and the journal say it). ``tracking_disable`` (imports,
        tests) writes nothing, as for any tracking.
        """
        context = self.env.context
        if not before or context.get("tracking_disable") or context.get("mail_notrack"):
            return
        state_col, _sent, confirmed_col = self._offer_columns()
        after = self._offer_snapshot()
        changes = {}
        for offer_id, (sku, old) in before.items():
            if sku in errors:
                changes[offer_id] = (state_col, "pending", "error", errors[sku])
                continue
            new = after.get(offer_id, (sku, None))[1]
            if self.state != "failed" and old is not None and old != new:
                changes[offer_id] = (confirmed_col, old, new, None)
        if changes:
            self._insert_offer_notes(changes)

    def _insert_offer_notes(self, changes):
        """Write the notes of ``changes`` ({offer id: (field, old, new,
        reason)}) as internal log notes with their tracking values.

        They are what ``_message_log`` writes, inserted in two statements:
        the ORM creates messages and tracking values one by one (4 ms per
        offer, seconds for an export of a few thousand changes) and a log
        note needs none of its side effects (no recipient, no notification,
        a body escaped here).
        """
        offers = self.env["mp.offer.binding"].sudo()
        fields_model = self.env["ir.model.fields"]
        field_ids = {
            fname: fields_model._get(offers._name, fname).id
            for fname in {change[0] for change in changes.values()}
        }
        labels = {
            fname: dict(offers._fields[fname]._description_selection(self.env))
            for fname in field_ids
            if offers._fields[fname].type == "selection"
        }
        currency = self.backend_id.currency_id.id or None
        author_id, email_from = offers._message_compute_author(
            None, None, raise_on_email=False
        )
        reply_to = self.env["mail.thread"]._notify_get_reply_to(default=email_from)[
            False
        ]
        source = self._short_name()
        ids, bodies = [], []
        tracking = {
            key: []
            for key in ("field", "old_int", "new_int", "old_float", "new_float")
            + ("old_char", "new_char", "currency")
        }
        for offer_id in sorted(changes):
            fname, old, new, reason = changes[offer_id]
            text = (
                self.env._("%(push)s: %(reason)s", push=source, reason=reason)
                if reason
                else source
            )
            ids.append(offer_id)
            bodies.append(str(Markup("<p>%s</p>") % text))
            field = offers._fields[fname]
            row = dict.fromkeys(tracking)
            row["field"] = field_ids[fname]
            if field.type == "selection":
                row["old_char"] = labels[fname].get(old, old or "")
                row["new_char"] = labels[fname].get(new, new or "")
            elif field.type == "integer":
                row["old_int"], row["new_int"] = int(old or 0), int(new or 0)
            else:  # monetary
                row["old_float"], row["new_float"] = float(old or 0), float(new or 0)
                row["currency"] = currency
            for key, value in row.items():
                tracking[key].append(value)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO mail_message (
                    model, res_id, body, message_type, subtype_id, is_internal,
                    author_id, email_from, reply_to, message_id,
                    email_add_signature, date, create_uid, create_date,
                    write_uid, write_date)
                SELECT %(model)s, v.res_id, v.body, 'notification', %(subtype)s,
                       true, %(author)s, %(email_from)s, %(reply_to)s,
                       %(message_id)s, false, %(now)s, %(uid)s, %(now)s,
                       %(uid)s, %(now)s
                  FROM unnest(%(ids)s::int[], %(bodies)s::text[])
                       AS v(res_id, body)
             RETURNING res_id, id
                """,
                model=offers._name,
                subtype=self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
                author=author_id or None,
                email_from=email_from or None,
                reply_to=reply_to or None,
                message_id=generate_tracking_message_id("message-notify"),
                now=fields.Datetime.now(),
                uid=self.env.uid,
                ids=ids,
                bodies=bodies,
            )
        )
        # one note per offer: its message is found by the offer's id
        message_of = dict(self.env.cr.fetchall())
        message_ids = [message_of[offer_id] for offer_id in ids]
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO mail_tracking_value (
                    mail_message_id, field_id, old_value_integer,
                    new_value_integer, old_value_float, new_value_float,
                    old_value_char, new_value_char, currency_id, create_uid,
                    create_date, write_uid, write_date)
                SELECT v.message, v.field, v.old_int, v.new_int, v.old_float,
                       v.new_float, v.old_char, v.new_char, v.currency, %(uid)s,
                       %(now)s, %(uid)s, %(now)s
                  FROM unnest(%(messages)s::int[], %(field)s::int[],
                              %(old_int)s::int[], %(new_int)s::int[],
                              %(old_float)s::float8[], %(new_float)s::float8[],
                              %(old_char)s::varchar[], %(new_char)s::varchar[],
                              %(currency)s::int[])
                       AS v(message, field, old_int, new_int, old_float,
                            new_float, old_char, new_char, currency)
                """,
                uid=self.env.uid,
                now=fields.Datetime.now(),
                messages=message_ids,
                **tracking,
            )
        )
        self.env["mail.message"].invalidate_model()
        self.env["mail.tracking.value"].invalidate_model()
        offers.invalidate_model(["message_ids"])
