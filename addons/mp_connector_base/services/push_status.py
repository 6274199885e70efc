"""What the marketplace reports about a sent batch of quantities or prices
(``mp.offer.push``): polled until done, then applied to the batch's offers
in bulk SQL, its rejections journaled and its changes noted on the offers'
chatter."""

import json

from markupsafe import Markup
from mphub.offers import PushStatus

from odoo import fields
from odoo.tools import SQL
from odoo.tools.mail import generate_tracking_message_id

from odoo.addons.queue_job.exception import RetryableJobError


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


def follow_batch(pushes, batch_id):
    """What follows the sending of the batch ``pushes`` share: ``batch_id``
    is what the client's push answered (a marketplace id to poll, a status
    answered at once, or nothing: applied at once)."""
    if isinstance(batch_id, PushStatus):  # answered at once
        for push in pushes:
            PushOutcome(push).apply(batch_id)
    elif batch_id:
        pushes[:1]._queue_check()  # one check applies to every push
    else:  # applied at once
        for push in pushes:
            PushOutcome(push).apply(PushStatus(done=True))
    return pushes


def check_batch(push):
    """Apply the marketplace's report of ``push``'s batch, or wait for it
    (a retry after the account's poll delay); returns what the job says."""
    push.ensure_one()
    env = push.env
    if push.state != "sent":
        labels = dict(push._fields["state"]._description_selection(env))
        return env._("Already %s.", labels.get(push.state, push.state))
    backend = push.backend_id
    if push.batch_skus:
        skus = json.loads(push.batch_skus)
    else:
        skus = list(json.loads(push.payload or "{}"))
    with backend._map_errors(run=push.run_id, what=push.display_name):
        status = backend._get_client().push_status(
            push.kind, push.external_id, skus=skus
        )
    if not status.done:
        # not a failure: the marketplace is still working on it
        raise RetryableJobError(
            env._(
                "The marketplace is still processing the batch (%s).",
                status_text(env, status.message) or env._("no status"),
            ),
            seconds=backend.push_poll_delay,
        )
    for same in _same_batch(push):
        PushOutcome(same).apply(status)
    return env._(
        "%(lines)s offer(s), %(errors)s error(s).",
        lines=push.line_count,
        errors=push.error_count,
    )


def _same_batch(push):
    """``push`` and the other kind's push of the same batch, if any."""
    if not push.batch_skus:
        return push
    return push | push.search(
        [
            ("backend_id", "=", push.backend_id.id),
            ("external_id", "=", push.external_id),
            ("batch_skus", "!=", False),
            ("state", "=", "sent"),
        ]
    )


class PushOutcome:
    """The marketplace's final report of one push applied to its offers."""

    def __init__(self, push):
        push.ensure_one()
        self.push = push
        self.env = push.env
        self.field = push._offer_field()
        self.state_col, self.sent_col, self.confirmed_col = push._offer_columns()

    def apply(self, status):
        """Confirm the batch's offers, or put those refused in error; note
        on each offer what the marketplace confirmed or refused."""
        push = self.push
        self.env.flush_all()
        before = self.snapshot()
        message = status_text(self.env, status.message)
        errors = {}
        if status.failed:
            self._reject_all(
                message or self.env._("The marketplace rejected the batch.")
            )
        else:
            errors = status.errors or {}
            self._confirm(errors, message)
        # has_error is stored: keep it in step with the states set above
        self._update_offers(
            SQL("has_error = (stock_state = 'error' OR price_state = 'error')")
        )
        self.env["mp.offer.binding"].invalidate_model()
        OfferNotes(push).log(before, errors, self.snapshot)
        self._journal_rejections()

    def _update_offers(self, assignments, condition=None):
        """``UPDATE`` the push's offers (those matching ``condition``)."""
        where = SQL("%s = %s", SQL.identifier(self.field), self.push.id)
        if condition:
            where = SQL("%s AND %s", where, condition)
        self.env.cr.execute(
            SQL("UPDATE mp_offer_binding SET %s WHERE %s", assignments, where)
        )

    def _set_error(self, message, condition=None):
        self._update_offers(
            SQL(
                "%s = 'error', push_error = %s",
                SQL.identifier(self.state_col),
                message,
            ),
            condition,
        )

    def _reject_all(self, message):
        self._set_error(message)
        self.push.write(
            {"state": "failed", "date_done": fields.Datetime.now(), "message": message}
        )

    def _confirm(self, errors, message):
        """Confirm the offers but those of ``errors`` ({SKU: reason}), which
        are put in error with their reason."""
        now = fields.Datetime.now()
        self._update_offers(
            SQL(
                "%(state)s = 'confirmed', %(confirmed)s = %(sent)s, "
                "date_confirmed = %(now)s, push_error = NULL, drift = false, "
                "drift_note = NULL",
                state=SQL.identifier(self.state_col),
                confirmed=SQL.identifier(self.confirmed_col),
                sent=SQL.identifier(self.sent_col),
                now=now,
            ),
            SQL("NOT (seller_sku = ANY(%s))", list(errors)),
        )
        for sku, error in errors.items():
            self._set_error(error, SQL("seller_sku = %s", sku))
        self.push.write(
            {
                "state": "partial" if errors else "done",
                "date_done": now,
                "error_count": len(errors),
                "message": message or False,
            }
        )

    def _journal_rejections(self):
        push = self.push
        rejected = push.line_count if push.state == "failed" else push.error_count
        if not rejected:
            return
        if push.run_id:
            push.run_id.count_error += rejected
        push.backend_id._log_event(
            "error",
            self.env._(
                "%(push)s: %(count)s offer(s) rejected by the marketplace.",
                push=push.display_name,
                count=rejected,
            ),
            run=push.run_id,
            event_type="data_error",
        )

    def snapshot(self):
        """{offer id: (SKU, confirmed value)} of the push's offers; the value
        is None for an offer the marketplace never confirmed."""
        self.env.cr.execute(
            SQL(
                "SELECT id, seller_sku, %s FROM mp_offer_binding WHERE %s = %s",
                SQL.identifier(self.confirmed_col),
                SQL.identifier(self.field),
                self.push.id,
            )
        )
        return {row[0]: (row[1], row[2]) for row in self.env.cr.fetchall()}


# the columns of mail_tracking_value a note's tracking row fills
TRACKING_KEYS = (
    "field",
    "old_int",
    "new_int",
    "old_float",
    "new_float",
    "old_char",
    "new_char",
    "currency",
)


class OfferNotes:
    """The notes a push writes on its offers' chatter."""

    def __init__(self, push):
        self.push = push
        self.env = push.env
        self.offers = self.env["mp.offer.binding"].sudo()

    def log(self, before, errors, read_after):
        """Note what this push changed: the confirmed quantity or price when
        it differs from the one confirmed before, the rejection of an offer
        with its reason; one note per offer and push (``before``: the
        ``PushOutcome.snapshot`` before the push applied, ``read_after``
        reads it after).

        Nothing is written for an unchanged value, for an offer's first
        confirmation (its form shows it; a first export of a whole catalogue
        must not write a note per offer) nor for a batch rejected as a whole
        (the push and the journal say it). ``tracking_disable`` (imports,
        tests) writes nothing, as for any tracking.
        """
        context = self.env.context
        if not before or context.get("tracking_disable") or context.get("mail_notrack"):
            return
        state_col, _sent, confirmed_col = self.push._offer_columns()
        after = read_after()
        changes = {}
        for offer_id, (sku, old) in before.items():
            if sku in errors:
                changes[offer_id] = (state_col, "pending", "error", errors[sku])
                continue
            new = after.get(offer_id, (sku, None))[1]
            if self.push.state != "failed" and old is not None and old != new:
                changes[offer_id] = (confirmed_col, old, new, None)
        if changes:
            self.insert(changes)

    def insert(self, changes):
        """Write the notes of ``changes`` ({offer id: (field, old, new,
        reason)}) as internal log notes with their tracking values.

        They are what ``_message_log`` writes, inserted in two statements:
        the ORM creates messages and tracking values one by one (4 ms per
        offer, seconds for an export of a few thousand changes) and a log
        note needs none of its side effects (no recipient, no notification,
        a body escaped here).
        """
        ids = sorted(changes)
        bodies, tracking = self._rows(ids, changes)
        self.env.flush_all()
        message_ids = self._insert_messages(ids, bodies)
        self._insert_tracking(message_ids, tracking)
        self.env["mail.message"].invalidate_model()
        self.env["mail.tracking.value"].invalidate_model()
        self.offers.invalidate_model(["message_ids"])

    def _rows(self, ids, changes):
        """The bodies of the notes of ``ids`` and their tracking values, as
        {column: [value per note]}."""
        offers = self.offers
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
        currency = self.push.backend_id.currency_id.id or None
        source = self.push._short_name()
        bodies, tracking = [], {key: [] for key in TRACKING_KEYS}
        for offer_id in ids:
            fname, old, new, reason = changes[offer_id]
            text = (
                self.env._("%(push)s: %(reason)s", push=source, reason=reason)
                if reason
                else source
            )
            bodies.append(str(Markup("<p>%s</p>") % text))
            row = dict.fromkeys(TRACKING_KEYS)
            row["field"] = field_ids[fname]
            field_type = offers._fields[fname].type
            if field_type == "selection":
                row["old_char"] = labels[fname].get(old, old or "")
                row["new_char"] = labels[fname].get(new, new or "")
            elif field_type == "integer":
                row["old_int"], row["new_int"] = int(old or 0), int(new or 0)
            else:  # monetary
                row["old_float"], row["new_float"] = float(old or 0), float(new or 0)
                row["currency"] = currency
            for key, value in row.items():
                tracking[key].append(value)
        return bodies, tracking

    def _insert_messages(self, ids, bodies):
        """Insert one log note per offer of ``ids``; returns their message
        ids in the order of ``ids``."""
        offers = self.offers
        author_id, email_from = offers._message_compute_author(
            None, None, raise_on_email=False
        )
        reply_to = self.env["mail.thread"]._notify_get_reply_to(default=email_from)[
            False
        ]
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
        return [message_of[offer_id] for offer_id in ids]

    def _insert_tracking(self, message_ids, tracking):
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
