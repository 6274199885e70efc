import logging

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..services import clients
from ..services.account_lists import AccountLists
from ..services.error_map import map_errors
from ..services.health import AccountOverview, start_of_today
from ..services.jobs import job_options
from ..services.locks import try_xact_lock
from ..services.messages import MessageFetch, message_counts
from ..services.notify import notification
from ..services.stored_text import in_company_lang

_logger = logging.getLogger(__name__)

# PostgreSQL errors meaning "someone else is working on this row now"
LOCK_ERRORS = (
    pg_errors.LockNotAvailable,
    pg_errors.SerializationFailure,
    pg_errors.DeadlockDetected,
)


class MpBackend(models.Model):
    _name = "mp.backend"
    _description = "Marketplace Account"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "mp.order.account.mixin",
        "mp.offer.account.mixin",
    ]
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    backend_type = fields.Selection(
        selection=[],
        string="Marketplace",
        required=True,
        tracking=True,
        help="The marketplace API this account speaks; each connector module "
        "adds its own.",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        tracking=True,
    )
    color = fields.Integer()
    # -- connection ------------------------------------------------------
    endpoint_url = fields.Char(
        string="Endpoint URL",
        tracking=True,
        help="Base URL of the marketplace API (or of the local sandbox).",
    )
    api_key = fields.Char(
        string="API Key",
        copy=False,
        groups="mp_connector_base.group_mp_connector_base_manager",
        help="Secret credential of the account. Only managers can read it; it "
        "is never written to logs or to the chatter.",
    )
    api_key_set = fields.Boolean(
        string="API Key Set",
        compute="_compute_api_key_set",
        help="Whether a key is stored, without revealing it.",
    )
    request_timeout = fields.Integer(
        string="Request Timeout (s)",
        default=30,
        help="Seconds to wait for the marketplace's answer to one request.",
    )
    retry_base_delay = fields.Integer(
        string="Retry Delay (s)",
        default=10,
        help="First delay before retrying a call that failed for a transient "
        "reason (timeout, server error); it doubles on each retry. A delay "
        "asked for by the marketplace (Retry-After) wins.",
    )
    # -- health ------------------------------------------------------------
    failure_alert_threshold = fields.Integer(
        string="Alert After Failures",
        default=3,
        help="Managers get an activity when this many import runs in a row "
        "have failed.",
    )
    consecutive_failures = fields.Integer(readonly=True, copy=False)
    last_import_date = fields.Datetime(
        string="Last Good Import", readonly=True, copy=False
    )
    last_failure_date = fields.Datetime(readonly=True, copy=False)
    last_failure_message = fields.Text(readonly=True, copy=False)
    health_state = fields.Selection(
        [("ok", "OK"), ("warning", "Warning"), ("error", "Error")],
        string="Health",
        compute="_compute_health",
    )
    health_reason = fields.Char(
        string="Why",
        compute="_compute_health",
        help="What makes the account healthy or not: failed imports, orders "
        "or exports in error, jobs failed or stuck, imports that stopped.",
    )
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    order_count = fields.Integer(string="Orders", compute="_compute_order_stats")
    order_today_count = fields.Integer(
        string="Ordered Today",
        compute="_compute_order_stats",
        help="Orders the customers placed on the marketplace today (in your "
        "time zone), whenever they were imported.",
    )
    revenue_today = fields.Monetary(
        currency_field="company_currency_id",
        compute="_compute_order_stats",
        help="Total, taxes included, of the sale orders of the orders placed "
        "today, in the company's currency.",
    )
    order_week_count = fields.Integer(
        string="Ordered in the Last 7 Days",
        compute="_compute_order_stats",
        help="Orders placed today and in the six days before.",
    )
    revenue_week = fields.Monetary(
        string="Revenue of the Last 7 Days",
        currency_field="company_currency_id",
        compute="_compute_order_stats",
    )
    order_error_count = fields.Integer(
        string="Orders in Error", compute="_compute_health"
    )
    order_pending_count = fields.Integer(
        string="Orders Waiting", compute="_compute_health"
    )
    order_to_decide_count = fields.Integer(
        string="Orders to Accept", compute="_compute_health"
    )
    export_error_count = fields.Integer(
        string="Status Exports in Error", compute="_compute_health"
    )
    failed_job_count = fields.Integer(string="Failed Jobs", compute="_compute_health")
    stuck_job_count = fields.Integer(string="Stuck Jobs", compute="_compute_health")

    _sql_constraints = [
        (
            "batch_size_positive",
            "CHECK(batch_size > 0)",
            "The number of orders per job must be positive.",
        ),
    ]

    # ------------------------------------------------------------------
    # computes and constraints
    # ------------------------------------------------------------------
    def _compute_api_key_set(self):
        for backend, key in zip(self, self.sudo().mapped("api_key"), strict=True):
            backend.api_key_set = bool(key)

    @api.depends("pricelist_id", "company_id")
    def _compute_currency_id(self):
        for backend in self:
            backend.currency_id = (
                backend.pricelist_id.currency_id or backend.company_id.currency_id
            )

    def _start_of_today(self, days_before=0):
        """Midnight of the user's today (their time zone), or of ``days_before``
        days earlier, as a naive UTC datetime to compare with stored ones."""
        return start_of_today(self.env, days_before)

    def _compute_order_stats(self):
        AccountOverview(self).compute_order_stats()

    def _compute_health(self):
        AccountOverview(self).compute_health()

    @api.constrains("endpoint_url")
    def _check_endpoint_url(self):
        for backend in self:
            url = backend.endpoint_url
            if url and not url.startswith(("http://", "https://")):
                raise ValidationError(
                    self.env._("The endpoint URL must start with http:// or https://.")
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    def _mp_secret_fields(self):
        """Credential fields of the account; connectors add theirs."""
        return ["api_key"]

    def _mp_clean_secrets(self, vals):
        """``vals`` with its credentials stripped: a key pasted with a
        trailing newline or spaces is stored as the marketplace knows it."""
        for name in self._mp_secret_fields():
            if isinstance(vals.get(name), str):
                vals[name] = vals[name].strip() or False
        return vals

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._mp_clean_secrets(vals)
        backends = super().create(vals_list)
        backends._ensure_utm_source()
        return backends

    def _ensure_utm_source(self):
        """Give each account its UTM source (named after it).

        Done when the account is created and when its imports are scheduled,
        never by the order processing jobs: two of them creating the same
        source at once would break utm.source's unique name.
        """
        for backend in self.filtered(lambda b: not b.utm_source_id):
            backend.sudo().utm_source_id = (
                self.env["utm.mixin"]
                .sudo()
                ._find_or_create_record("utm.source", backend.name)
            )

    def write(self, vals):
        res = super().write(self._mp_clean_secrets(dict(vals)))
        if "active" in vals and not vals["active"]:
            self._drop_clients()
        return res

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------
    def action_test_connection(self):
        self.ensure_one()
        client = self._get_client()
        with self._map_errors(interactive=True):
            info = client.test_connection()
        account = info.get("name") or info.get("id")
        if account and account != self.name:
            message = self.env._(
                "%(backend)s is connected to the marketplace, as %(account)s.",
                backend=self.name,
                account=account,
            )
        else:
            message = self.env._(
                "%(backend)s is connected to the marketplace.", backend=self.name
            )
        return notification(
            message, title=self.env._("Connection successful"), kind="success"
        )

    def _enqueue_carrier_fetch(self):
        """Read the marketplace's carriers of each account in a job (the
        connectors' *Fetch Carriers* actions); the notification to show."""
        for backend in self:
            backend = in_company_lang(backend, backend.company_id)
            backend._enqueue(
                backend,
                "_job_fetch_carriers",
                preset="read_settings",
                description=backend.env._("%s: fetch carriers", backend.name),
            )
        return notification(
            self.env._(
                "The carriers of %s are being fetched; they appear in the "
                "Carriers tab.",
                ", ".join(self.mapped("name")),
            )
        )

    def _job_fetch_carriers(self):
        """Job: read the marketplace's carriers (``_fetch_carriers``)."""
        return in_company_lang(self.sudo(), self.company_id)._fetch_carriers()

    def _fetch_carriers(self):
        """Read the marketplace's carriers (``list_carriers`` of the client)
        and map the shipping methods named after them; the carriers without
        one are told in the chatter."""
        self.ensure_one()
        client = self._get_client()
        with self._map_errors(what=self.env._("Carrier list")):
            carriers = client.list_carriers()
        known = set(self.carrier_mapping_ids.mapped("marketplace_code"))
        labels = {}
        for carrier in carriers:
            code = carrier.get("code")
            if code and code not in known:
                labels.setdefault(code, carrier.get("label") or "")
        _mappings, unmatched = self.env["mp.carrier.mapping"]._match_carriers(
            self, [(code, [label, code]) for code, label in labels.items()]
        )
        if unmatched:
            self.message_post(
                body=self.env._(
                    "Carriers known to the marketplace without a matching shipping "
                    "method: %s",
                    ", ".join(f"{code} ({labels[code]})" for code in unmatched),
                )
            )
        return self.env._("%s carriers read.", len(carriers))

    def action_open_runs(self):
        return AccountLists(self).runs()

    def action_open_failed_runs(self):
        return AccountLists(self).failed_runs()

    def action_open_failed_jobs(self):
        return AccountLists(self).failed_jobs()

    def action_open_stuck_jobs(self):
        return AccountLists(self).stuck_jobs()

    # ------------------------------------------------------------------
    # client and error mapping
    # ------------------------------------------------------------------
    def _client_settings(self):
        """Plain values the client is built from; connectors add theirs."""
        self.ensure_one()
        backend = self.sudo()
        return {
            "backend_type": backend.backend_type,
            "endpoint_url": (backend.endpoint_url or "").strip(),
            "api_key": (backend.api_key or "").strip(),
            "timeout": backend.request_timeout or 30,
        }

    def _build_client(self, settings):
        """Return the ``mphub`` client of this account's marketplace.

        Each connector module handles its own ``backend_type``.
        """
        raise UserError(
            self.env._(
                "No connector is installed for the marketplace of %(name)s.",
                name=self.name,
            )
        )

    def _get_client(self):
        """The account's ``mphub`` client (``services/clients.py``)."""
        self.ensure_one()
        return clients.get_client(self)

    def _drop_clients(self):
        clients.drop_clients(self)

    # What a marketplace's payloads say is its client's knowledge
    # (``mphub.client.MarketplaceClient``): the base asks the client.
    def _raw_order_external_id(self, raw):
        """The marketplace order id of a raw payload, None when absent."""
        return self._get_client().external_id(raw)

    def _raw_order_state(self, raw):
        """``(canonical status, marketplace state)`` of a raw payload, read
        without mapping it (an order cancelled or closed may lack the data a
        mapping needs); ``(None, None)`` when unknown."""
        return self._get_client().raw_state(raw)

    def _map_order(self, raw):
        """Return the canonical order of a raw payload (pure mapping)."""
        return self._get_client().map_order(raw)

    def _has_capability(self, name):
        """Whether the account's marketplace offers ``name`` (one of
        ``mphub.client.CAPABILITIES``: "accept", "ship", "listings"...)."""
        return name in self._get_client().capabilities

    def _map_errors(self, run=None, what=None, interactive=False):
        """The one place where core errors become Odoo outcomes (a context
        manager, ``services/error_map.py``)."""
        self.ensure_one()
        return map_errors(self, run=run, what=what, interactive=interactive)

    def _credentials_hint(self):
        """What to check when the marketplace refuses the credentials;
        connectors whose accounts have no API key say theirs."""
        return self.env._("Check the API key in the Connection tab.")

    def _current_job_attempt(self):
        """Attempt number (1-based) of the running job, 1 outside jobs."""
        uuid = self.env.context.get("job_uuid")
        if not uuid:
            return 1
        job = self.env["queue.job"].sudo().search([("uuid", "=", uuid)], limit=1)
        # the stored count is the number of attempts that already failed
        return (job.retry or 0) + 1

    # ------------------------------------------------------------------
    # jobs plumbing
    # ------------------------------------------------------------------
    def _enqueue(self, records, method, *args, preset, run=None, **options):
        """Delay ``records.method(*args)`` and link the job to this backend.

        ``preset`` names the job's channel, priority and retries
        (``services/jobs.py``: every job has one); ``options`` are
        queue_job's others (eta, identity_key, description). Linking the job
        gives the health dashboard its failed and stuck job counts, and lets
        a failed job fail its run.
        """
        self.ensure_one()
        delayed = records.with_delay(**job_options(preset, **options))
        job = getattr(delayed, method)(*args)
        if job is None:  # executed at once (queue_job__no_delay)
            return None
        # a pending job with the same identity key is returned as a record
        record = job if isinstance(job, models.BaseModel) else job.db_record()
        if record and (
            record.mp_backend_id != self or (run and record.mp_run_id != run)
        ):
            record.sudo().write(
                {"mp_backend_id": self.id, "mp_run_id": run.id if run else False}
            )
        return job

    def _log_event(
        self,
        level,
        message,
        run=None,
        binding=None,
        event_type="info",
        detached=False,
    ):
        """Record a journal event.

        ``detached`` writes it in its own transaction, for events that must
        survive the rollback of the current job (retries).
        """
        self.ensure_one()
        vals = {
            "backend_id": self.id,
            "run_id": run.id if run else False,
            "order_binding_id": binding.id if binding else False,
            "level": level,
            "event_type": event_type,
            "message": message,
            "job_uuid": self.env.context.get("job_uuid"),
        }
        if detached:
            self._write_detached_event(vals)
            return None
        return self.env["mp.sync.event"].sudo().create(vals)

    @api.model
    def _try_advisory_lock(self, *name):
        """Take the transaction lock ``name`` of this account, or return
        False when another transaction holds it (``services/locks.py``)."""
        self.ensure_one()
        return try_xact_lock(self.env.cr, self.id, *name)

    def _write_detached_event(self, vals):
        """Write the journal event ``vals`` in a transaction of its own,
        committed at once, whatever becomes of the current one."""
        with self.env.registry.cursor() as cr:
            self.env(cr=cr, su=True)["mp.sync.event"].create(vals)

    # ------------------------------------------------------------------
    # buyers' messages (services/messages.py)
    # ------------------------------------------------------------------
    message_reply_hours = fields.Integer(
        string="Reply Delay (h)",
        default=24,
        help="Hours the seller has to answer a buyer's message: the deadline "
        "of its reply activity.",
    )
    messages_synced_at = fields.Datetime(
        string="Messages Read Up To",
        readonly=True,
        copy=False,
        help="Every buyer message changed before this time has been read.",
    )
    message_capable = fields.Boolean(
        string="Has Buyer Messages", compute="_compute_message_counts"
    )
    message_to_reply_count = fields.Integer(
        string="Messages to Reply", compute="_compute_message_counts"
    )
    message_overdue_count = fields.Integer(
        string="Overdue Replies", compute="_compute_message_counts"
    )

    def _compute_message_counts(self):
        message_counts(self)

    def action_fetch_messages(self):
        for backend in self:
            if not MessageFetch(backend).schedule():
                raise UserError(
                    self.env._(
                        "%s has no buyer messages to fetch, or a fetch is already "
                        "running.",
                        backend.name,
                    )
                )
        return notification(
            self.env._("The buyer messages are being fetched."), kind="success"
        )

    def action_open_messages(self):
        return MessageFetch(self).open_list()

    def _schedule_fetch_messages(self):
        """Queue a message fetch for each account whose marketplace has
        buyers' messages (cron)."""
        for backend in self:
            MessageFetch(in_company_lang(backend, backend.company_id)).schedule()

    def _job_fetch_messages(self, page, since, until):
        """Job: read one page of buyers' messages (``MessageFetch``)."""
        backend = in_company_lang(self.sudo(), self.company_id)
        return MessageFetch(backend).run_page(page, since, until)
