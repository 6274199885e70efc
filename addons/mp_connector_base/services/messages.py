"""Buyers' messages: fetched, stored once, posted where they belong,
answered from Odoo.

- ``MessageFetch``: the fetch of one account, one job per page of
  ``client.list_messages`` from the account's cursor
  (``messages_synced_at``) minus the import overlap, the cursor moved to the
  fetch's start once the last page is stored;
- ``MessageStore``: the upsert of one page under the account's advisory lock
  (``"store-messages"``) and ``unique(backend_id, external_id)``: the same
  message fetched twice, or by two workers, is one record;
- ``MessageLinker``: a message is posted once (``linked``) in the chatter of
  its sale order (a note whose author is the order's customer), with a
  reply activity for the order's salesperson while a reply is expected. A
  message about an order not imported yet waits: the order import links it
  (``mp.customer.message._link_orders``), else the next fetch does. A
  message about no order (a question about an offer) goes to the account's
  chatter; one about an order that gets no sale order (skipped) to the
  order's. The seller's own messages are listed, never posted;
- ``ReplySender``: the reply stored on the message, sent by a job; a
  refusal is kept with its reason and can be sent again.

Texts from the marketplace are plain text, always escaped
(``plaintext2html``): never HTML rendered as the marketplace sent it.
"""

import json
from datetime import timedelta, timezone

from markupsafe import Markup
from mphub import errors as mp_errors
from mphub.canonical import payload_hash
from mphub.client import Outcome
from mphub.messages import CustomerMessage
from psycopg2 import errors as pg_errors

from odoo import fields
from odoo.exceptions import UserError
from odoo.tools import SQL, plaintext2html

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import identity_exact

from .account_lists import AccountLists
from .journal import ACTIVE_JOB_STATES
from .locks import try_xact_lock
from .order_activities import _responsible
from .order_store import naive, storable, stored
from .stored_text import in_company_lang

REPLY_ACTIVITY = "mp_connector_base.mail_activity_type_buyer_reply"
MESSAGES_ACTION = "mp_connector_base.mp_customer_message_action"
FETCH_METHOD = "_job_fetch_messages"
FIRST_FETCH_DAYS = 7  # how far back the first fetch of an account reads
MAX_NOTE = 2000  # characters of a message quoted in its activity


def jsonable(value):
    """``value`` as plain JSON (dates and amounts as text)."""
    return json.loads(json.dumps(value, default=str)) if value else {}


def aware(value):
    """A stored (naive UTC) datetime as an aware one."""
    return value.replace(tzinfo=timezone.utc) if value else None


def initial_state(message):
    """The state of a ``CustomerMessage`` as the marketplace shows it."""
    if message.answered:
        return "answered"
    if message.reply_expected:
        return "to_reply"
    return "closed" if message.kind == "incident" else "no_reply"


class MessageFetch:
    """The message fetch of one account (``backend``)."""

    def __init__(self, backend):
        backend.ensure_one()
        self.backend = backend
        self.env = backend.env

    def capable(self):
        """Whether the account's marketplace has buyers' messages (an
        account not configured enough to build its client has none)."""
        try:
            return self.backend._has_capability("messages")
        except UserError:
            return False

    def in_progress(self):
        return bool(
            self.env["queue.job"]
            .sudo()
            .search_count(
                [
                    ("mp_backend_id", "=", self.backend.id),
                    ("method_name", "=", FETCH_METHOD),
                    ("state", "in", ACTIVE_JOB_STATES),
                ],
                limit=1,
            )
        )

    def schedule(self):
        """Queue the first page of a fetch, unless one is at work; True
        when queued."""
        if not self.capable() or self.in_progress():
            return False
        backend = self.backend
        now = fields.Datetime.now()
        since = backend.messages_synced_at
        if since:
            since -= timedelta(minutes=max(0, backend.import_overlap_minutes))
        else:
            since = backend.import_from or now - timedelta(days=FIRST_FETCH_DAYS)
        self.queue(None, since, now)
        return True

    def queue(self, page, since, until):
        backend = in_company_lang(self.backend, self.backend.company_id)
        backend._enqueue(
            backend,
            FETCH_METHOD,
            page,
            since,
            until,
            preset="read_settings",
            identity_key=identity_exact,
            description=backend.env._("%s: fetch buyer messages", backend.name),
        )

    def open_list(self):
        """The account's messages waiting for a reply."""
        return AccountLists(self.backend).open(
            MESSAGES_ACTION,
            self.env._("Buyer messages of %s", self.backend.name),
            filters=("to_reply",),
        )

    def run_page(self, page, since, until):
        """Job: read one page, store it, queue the next one or move the
        cursor to ``until``; returns what the job did."""
        backend = self.backend
        if not try_xact_lock(self.env.cr, backend.id, "store-messages"):
            raise RetryableJobError(
                "Another job is storing the messages of this account",
                seconds=(2, 6),
                ignore_retry=True,
            )
        client = backend._get_client()
        with backend._map_errors(what=self.env._("Buyer messages")):
            result = client.list_messages(since.replace(tzinfo=timezone.utc), page=page)
        stats = MessageStore(backend).store(result.messages)
        for raw, reason in result.invalid:
            backend._log_event(
                "warning",
                self.env._(
                    "A buyer message could not be read: %(reason)s (%(raw)s)",
                    reason=reason,
                    raw=json.dumps(jsonable(raw), ensure_ascii=False)[:500],
                ),
                event_type="data_error",
            )
        MessageLinker(self.env["mp.customer.message"].sudo()).link_waiting(backend)
        if result.next_page:
            self.queue(result.next_page, since, until)
        elif not backend.messages_synced_at or backend.messages_synced_at < until:
            backend.messages_synced_at = until
        return self.env._(
            "%(count)s messages read (%(new)s new, %(updated)s updated, "
            "%(invalid)s unreadable).",
            count=len(result.messages),
            invalid=len(result.invalid),
            **stats,
        )


class MessageStore:
    """Stores the messages of one page of an account."""

    def __init__(self, backend):
        self.backend = backend
        self.env = backend.env
        self.records = self.env["mp.customer.message"].sudo()

    def store(self, messages):
        """Upsert ``messages`` (``CustomerMessage`` values); returns the
        counts ``new``, ``updated``, ``unchanged``."""
        stats = {"new": 0, "updated": 0, "unchanged": 0}
        incoming = {}
        for message in messages:  # a message twice in a page: its last state
            known = incoming.get(message.external_id)
            if known is None or known.updated_at <= message.updated_at:
                incoming[message.external_id] = message
        existing = {
            record.external_id: record
            for record in self.records.search(
                [
                    ("backend_id", "=", self.backend.id),
                    ("external_id", "in", list(incoming)),
                ]
            )
        }
        to_create = []
        for external_id, message in incoming.items():
            vals = self.values(message)
            record = existing.get(external_id)
            if record is None:
                to_create.append(vals)
            elif record.payload_hash == vals["payload_hash"]:
                stats["unchanged"] += 1
            else:
                self.update(record, vals)
                stats["updated"] += 1
        created = self.records.create(to_create)
        stats["new"] = len(created)
        MessageLinker(self.records).link(created)
        return stats

    def values(self, message):
        """The record values of a ``CustomerMessage``."""
        created = naive(message.created_at)
        due = False
        if message.reply_expected:
            due = created + timedelta(hours=max(0, self.backend.message_reply_hours))
        digest = payload_hash(
            [
                message.kind,
                message.author,
                message.order_external_id,
                message.subject,
                message.body,
                message.updated_at.isoformat(),
                message.reply_expected,
                message.answered,
                message.state,
            ]
        )
        return {
            "backend_id": self.backend.id,
            "external_id": message.external_id,
            "kind": message.kind,
            "author": message.author,
            "subject": message.subject or False,
            "body": message.body or False,
            "created_at": created,
            "updated_at": naive(message.updated_at),
            "order_external_id": message.order_external_id or False,
            "reply_expected": message.reply_expected,
            "reply_due": due,
            "state": initial_state(message),
            "marketplace_state": message.state or False,
            "payload_hash": digest,
            "extra_data": jsonable(message.extra),
            "raw_payload": storable(jsonable(message.raw)),
        }

    def update(self, record, vals):
        """A message the marketplace changed (answered, closed, edited)."""
        vals = dict(vals)
        del vals["backend_id"], vals["external_id"]
        if record.reply_state == "sent" and vals["state"] == "to_reply":
            vals["state"] = "answered"  # the marketplace did not show it yet
        record.write(vals)
        linker = MessageLinker(self.records)
        if record.state != "to_reply":
            feedback = (
                self.env._("Answered on the marketplace.")
                if record.state == "answered"
                else self.env._("No reply expected any more.")
            )
            linker.close_activity(record, feedback)
        elif record.linked and not record.activity_id:
            linker.schedule_activity(record, linker.thread(record))


class MessageLinker:
    """Links messages to their orders and posts them where they belong."""

    def __init__(self, records):
        self.records = records  # sudo ``mp.customer.message``
        self.env = records.env

    def link_bindings(self, bindings):
        """Link the messages waiting for these (just imported) orders."""
        for backend, group in bindings._mp_by_backend():
            self.link(
                self.records.search(
                    [
                        ("backend_id", "=", backend.id),
                        ("linked", "=", False),
                        ("order_external_id", "in", group.mapped("external_id")),
                    ]
                )
            )

    def link_waiting(self, backend, limit=500):
        """Link the messages of ``backend`` whose order came without the
        import's hook (an order skipped, a hook that failed)."""
        self.env.cr.execute(
            SQL(
                """
                SELECT message.id
                  FROM mp_customer_message message
                  JOIN mp_order_binding binding
                    ON binding.backend_id = message.backend_id
                   AND binding.external_id = message.order_external_id
                 WHERE message.backend_id = %s
                   AND message.linked IS NOT TRUE
                   AND (binding.sale_order_id IS NOT NULL
                        OR binding.state = 'skipped')
                 ORDER BY message.id
                 LIMIT %s
                """,
                backend.id,
                limit,
            )
        )
        self.link(self.records.browse([row[0] for row in self.env.cr.fetchall()]))

    def link(self, messages):
        """Post each message in its thread, once; the ones whose order is
        not imported yet wait."""
        bindings = self.env["mp.order.binding"].sudo()
        for backend, group in messages.grouped("backend_id").items():
            found = bindings._mp_find(backend, group.mapped("order_external_id"))
            for message in group.filtered(lambda m: not m.linked):
                binding = message.binding_id or found.get(message.order_external_id)
                thread = self.target(message, binding)
                if thread is None:
                    continue
                message.linked = True
                if message.author != "seller":
                    self.post(message, thread)

    def target(self, message, binding):
        """The record whose chatter gets ``message`` (its bindings set);
        None while its order is not imported."""
        if not message.order_external_id:
            return message.backend_id
        if not binding:
            return None
        values = {"binding_id": binding.id}
        if binding.sale_order_id:
            values["sale_order_id"] = binding.sale_order_id.id
        message.write(values)
        if binding.sale_order_id:
            return binding.sale_order_id
        return binding if binding.state == "skipped" else None

    def thread(self, message):
        """The record where ``message`` was (or would be) posted."""
        note = message.chatter_message_id
        if note and note.model and note.res_id:
            record = self.env[note.model].browse(note.res_id).exists()
            if record:
                return record
        return message.sale_order_id or message.binding_id or message.backend_id

    def post(self, message, thread):
        """The note of ``message`` in ``thread``'s chatter, and its reply
        activity when a reply is expected."""
        thread = in_company_lang(thread, message.company_id)
        env = thread.env
        names = {"backend": message.backend_id.name, "subject": message.subject}
        if message.kind == "incident":
            title = env._("Incident opened by the buyer on %(backend)s", **names)
        elif message.author == "customer":
            title = env._("Buyer's message on %(backend)s", **names)
        elif message.author == "operator":
            title = env._("Message of the %(backend)s customer service", **names)
        else:
            title = env._("Notice from %(backend)s", **names)
        if message.subject:
            title = f"{title}: {message.subject}"
        author = env.ref("base.partner_root")
        if thread._name == "sale.order" and message.author == "customer":
            author = thread.partner_id
        note = thread.with_context(mail_create_nosubscribe=True).message_post(
            body=Markup("<p><strong>%s</strong></p>%s")
            % (title, plaintext2html(message.body or "")),
            message_type="comment",
            subtype_xmlid="mail.mt_note",
            author_id=author.id,
        )
        message.chatter_message_id = note
        if message.state == "to_reply":
            self.schedule_activity(message, thread)

    def schedule_activity(self, message, thread):
        """The reply activity of ``message`` on ``thread``, for the order's
        salesperson, else whoever answers for the account."""
        activity_type = self.env.ref(REPLY_ACTIVITY, raise_if_not_found=False)
        if not activity_type or message.activity_id:
            return
        thread = in_company_lang(thread, message.company_id)
        env = thread.env
        user = thread.user_id if thread._name == "sale.order" else None
        if not user or not user.active or user.share:
            user = _responsible(message)
        order = message.order_external_id or message.backend_id.name
        summary = env._("Reply to the buyer (%(order)s)", order=order)
        if message.subject:
            summary = f"{summary}: {message.subject}"
        due = message.reply_due or fields.Datetime.now()
        message.activity_id = thread.with_context(
            mail_activity_quick_update=True
        ).activity_schedule(
            REPLY_ACTIVITY,
            date_deadline=due.date(),
            summary=summary[:200],
            note=plaintext2html((message.body or "")[:MAX_NOTE]),
            user_id=user.id,
        )

    def close_activity(self, message, feedback):
        if message.activity_id:
            message.activity_id.action_feedback(feedback=feedback)


class ReplySender:
    """The reply to one message (``message``)."""

    def __init__(self, message):
        message.ensure_one()
        self.message = message
        self.backend = message.backend_id
        self.env = message.env

    def check_can_reply(self):
        """Refuse, in the user's words, a reply that cannot be sent."""
        message = self.message
        if message.reply_state == "pending":
            raise UserError(
                self.env._("A reply to this message is being sent already.")
            )
        if message.author == "seller":
            raise UserError(
                self.env._("This message is your own: there is no one to answer.")
            )
        if not MessageFetch(self.backend.sudo()).capable():
            raise UserError(
                self.env._(
                    "%s cannot send replies to the marketplace.", self.backend.name
                )
            )

    def queue(self, body):
        """Store ``body`` as the reply and queue the job sending it."""
        body = (body or "").strip()
        if not body:
            raise UserError(self.env._("Write the reply first."))
        self.check_can_reply()
        message = self.message
        message.write(
            {
                "reply_body": body,
                "reply_state": "pending",
                "reply_error": False,
                "reply_user_id": self.env.uid,
            }
        )
        backend = in_company_lang(self.backend.sudo(), self.backend.company_id)
        backend._enqueue(
            message.sudo(),
            "_job_send_reply",
            preset="status_export",
            identity_key=identity_exact,
            description=backend.env._(
                "%(backend)s: reply to message %(message)s",
                backend=backend.name,
                message=message.external_id,
            ),
        )

    def send(self):
        """Job: send the reply once; returns what the job did."""
        message = in_company_lang(self.message, self.message.company_id)
        env = message.env
        self._lock()
        if message.reply_state != "pending":
            return env._("Nothing to send.")
        client = self.backend._get_client()
        with self.backend._map_errors(what=env._("Reply to %s", message.external_id)):
            try:
                outcome = client.reply_message(canonical(message), message.reply_body)
            except (mp_errors.RemoteError, mp_errors.NotFound) as err:
                return self.failed(message, err)
        return self.sent(message, outcome)

    def _lock(self):
        """Two workers never send the same reply: the second waits."""
        cr = self.env.cr
        try:
            with cr.savepoint(flush=False):
                cr.execute(
                    SQL(
                        "SELECT id FROM mp_customer_message WHERE id = %s "
                        "FOR UPDATE NOWAIT",
                        self.message.id,
                    )
                )
        except pg_errors.LockNotAvailable as err:
            raise RetryableJobError(
                "Another job is sending this reply", seconds=(2, 6), ignore_retry=True
            ) from err
        self.message.invalidate_recordset()

    def sent(self, message, outcome):
        env = message.env
        message.write(
            {
                "reply_state": "sent",
                "state": "answered",
                "reply_error": False,
                "reply_date": fields.Datetime.now(),
            }
        )
        linker = MessageLinker(message)
        thread = in_company_lang(linker.thread(message), message.company_id)
        thread.message_post(
            body=Markup("<p><strong>%s</strong></p>%s")
            % (
                env._("Reply sent to the buyer on %s:", self.backend.name),
                plaintext2html(message.reply_body or ""),
            ),
            message_type="comment",
            subtype_xmlid="mail.mt_note",
            author_id=(message.reply_user_id.partner_id or env.user.partner_id).id,
        )
        linker.close_activity(message, env._("Reply sent."))
        result = env._("Reply sent.")
        if outcome == Outcome.ALREADY:
            result = env._("Reply sent (the marketplace already had it).")
        self.backend._log_event("info", f"{message.external_id}: {result}")
        return result

    def failed(self, message, error):
        """The marketplace refused the reply: kept with its reason."""
        reason = str(error)
        message.write({"reply_state": "error", "reply_error": reason})
        self.backend._log_event(
            "error",
            message.env._(
                "The reply to message %(message)s was refused: %(reason)s",
                message=message.external_id,
                reason=reason,
            ),
            event_type="export_error",
        )
        return reason


def canonical(message):
    """The ``CustomerMessage`` a stored message was read from."""
    return CustomerMessage(
        external_id=message.external_id,
        kind=message.kind,
        order_external_id=message.order_external_id or None,
        author=message.author,
        subject=message.subject or "",
        body=message.body or "",
        created_at=aware(message.created_at),
        updated_at=aware(message.updated_at or message.created_at),
        reply_expected=message.reply_expected,
        answered=message.state == "answered",
        state=message.marketplace_state or None,
        extra=message.extra_data or {},
        raw=stored(message.raw_payload) or {},
    )


def message_counts(backends):
    """Set the dashboard's message counts of ``backends``."""
    messages = backends.env["mp.customer.message"].sudo()
    domain = [("backend_id", "in", backends.ids), ("state", "=", "to_reply")]

    def count(domain):
        groups = messages._read_group(domain, ["backend_id"], ["__count"])
        return {backend.id: number for backend, number in groups}

    to_reply = count(domain)
    overdue = count([*domain, ("is_overdue", "=", True)])
    for backend in backends:
        backend.message_to_reply_count = to_reply.get(backend.id, 0)
        backend.message_overdue_count = overdue.get(backend.id, 0)
        backend.message_capable = bool(backend.id) and MessageFetch(backend).capable()
