"""The overview of marketplace accounts: order statistics (orders placed
today and in the last 7 days, with their revenue) and health (what a person
must act on: failed imports, orders or exports in error, failed or stuck
jobs, imports that stopped), read in a few grouped queries for a whole
recordset of accounts."""

from datetime import datetime, time, timedelta, timezone

import pytz

from odoo import fields

# an account without a good import for this long (or three runs of the
# import cron, if longer) needs a look
STALE_IMPORT_MIN = timedelta(hours=2)
CRON_MINUTES = {
    "minutes": 1,
    "hours": 60,
    "days": 1440,
    "weeks": 10080,
    "months": 43200,
}


def start_of_today(env, days_before=0):
    """Midnight of the user's today (their time zone), or of ``days_before``
    days earlier, as a naive UTC datetime to compare with stored ones."""
    try:
        tz = pytz.timezone(env.context.get("tz") or env.user.tz or "UTC")
    except pytz.UnknownTimeZoneError:
        tz = pytz.utc
    local_day = datetime.now(tz).date() - timedelta(days=days_before)
    midnight = tz.localize(datetime.combine(local_day, time.min))
    return midnight.astimezone(timezone.utc).replace(tzinfo=None)


def placed_domain(env, days_before=0):
    """Orders placed on the marketplace from midnight ``days_before`` days
    ago to the end of the user's today (as the "Ordered Today" filter of
    the orders' search view), whatever became of them."""
    start = fields.Datetime.to_string(start_of_today(env, days_before))
    end = fields.Datetime.to_string(start_of_today(env, -1))
    return [
        ("marketplace_created_at", ">=", start),
        ("marketplace_created_at", "<", end),
    ]


def stuck_jobs_domain(env):
    """Jobs started or enqueued for longer than the configured minutes."""
    minutes = int(
        env["ir.config_parameter"]
        .sudo()
        .get_param("mp_connector_base.stuck_job_minutes", 30)
    )
    before = fields.Datetime.now() - timedelta(minutes=minutes)
    return [
        "|",
        "&",
        ("state", "=", "started"),
        ("date_started", "<", before),
        "&",
        ("state", "=", "enqueued"),
        ("date_enqueued", "<", before),
    ]


def stale_import_delay(env):
    """How long without a good import before an account needs a look:
    three runs of the import cron, two hours at least."""
    delay = STALE_IMPORT_MIN
    cron = env.ref("mp_connector_base.ir_cron_import_orders", raise_if_not_found=False)
    if cron:
        cron = cron.sudo()
        minutes = CRON_MINUTES.get(cron.interval_type, 0) * cron.interval_number
        delay = max(delay, timedelta(minutes=3 * minutes))
    return delay


def format_delta(env, delta):
    """A duration as a person says it: "5 min", "6 h", "3 days"."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return env._("less than a minute")
    if minutes < 60:
        return env._("%s min", minutes)
    hours = minutes // 60
    if hours < 48:
        return env._("%s h", hours)
    return env._("%s days", hours // 24)


class AccountOverview:
    """Statistics and health of the accounts ``backends``."""

    def __init__(self, backends):
        self.backends = backends
        self.env = backends.env

    def _count(self, model, domain, field="backend_id"):
        groups = model._read_group(
            domain + [(field, "in", self.backends.ids)], [field], ["__count"]
        )
        return {backend.id: count for backend, count in groups}

    def _revenue(self, placed):
        """Sum of the sale orders of the orders of ``placed`` (a domain),
        per account, in the company's currency."""
        groups = (
            self.env["sale.order"]
            .sudo()
            ._read_group(
                [
                    ("mp_backend_id", "in", self.backends.ids),
                    ("state", "!=", "cancel"),
                    ("mp_binding_ids", "any", placed),
                ],
                ["mp_backend_id", "currency_id"],
                ["amount_total:sum"],
            )
        )
        today = fields.Date.context_today(self.backends)
        revenue = {}
        for backend, currency, amount in groups:
            company = backend.company_id
            if currency and currency != company.currency_id:
                amount = currency._convert(amount, company.currency_id, company, today)
            revenue[backend.id] = revenue.get(backend.id, 0.0) + amount
        return revenue

    def compute_order_stats(self):
        bindings = self.env["mp.order.binding"].sudo()
        today = placed_domain(self.env)
        week = placed_domain(self.env, days_before=6)
        counts = self._count(bindings, [])
        today_counts = self._count(bindings, today)
        week_counts = self._count(bindings, week)
        today_revenue = self._revenue(today)
        week_revenue = self._revenue(week)
        for backend in self.backends:
            backend.order_count = counts.get(backend.id, 0)
            backend.order_today_count = today_counts.get(backend.id, 0)
            backend.order_week_count = week_counts.get(backend.id, 0)
            backend.revenue_today = today_revenue.get(backend.id, 0.0)
            backend.revenue_week = week_revenue.get(backend.id, 0.0)

    def compute_health(self):
        bindings = self.env["mp.order.binding"].sudo()
        jobs = self.env["queue.job"].sudo()
        counts = {
            "order_error_count": self._count(bindings, [("state", "=", "error")]),
            "order_pending_count": self._count(bindings, [("state", "=", "new")]),
            "order_to_decide_count": self._count(
                bindings, [("accept_state", "=", "to_decide")]
            ),
            "export_error_count": self._count(
                bindings,
                ["|", ("accept_state", "=", "error"), ("ship_state", "=", "error")],
            ),
            "failed_job_count": self._count(
                jobs, [("state", "=", "failed")], "mp_backend_id"
            ),
            "stuck_job_count": self._count(
                jobs, stuck_jobs_domain(self.env), "mp_backend_id"
            ),
        }
        stale_after = stale_import_delay(self.env)
        for backend in self.backends:
            for fname, by_backend in counts.items():
                backend[fname] = by_backend.get(backend.id, 0)
            state, reason = AccountHealth(backend).state(stale_after)
            backend.health_state = state
            backend.health_reason = reason

    def compute_offer_counts(self):
        offers = self.env["mp.offer.binding"]
        counts = {
            "offer_count": self._count(offers, []),
            "offer_error_count": self._count(offers, [("has_error", "=", True)]),
            "offer_drift_count": self._count(offers, [("drift", "=", True)]),
            "listing_review_count": self._count(
                self.env["mp.listing.review"], [("state", "=", "to_review")]
            ),
            "offer_pending_count": self.env["mp.offer.dirty"]
            .sudo()
            ._count_for(self.backends),
        }
        for backend in self.backends:
            for fname, by_backend in counts.items():
                backend[fname] = by_backend.get(backend.id, 0)


class AccountHealth:
    """The health of one account, from the counts ``AccountOverview`` set."""

    def __init__(self, backend):
        backend.ensure_one()
        self.backend = backend
        self.env = backend.env
        self.now = fields.Datetime.now()

    def state(self, stale_after):
        """``(state, reason)`` of the account: the problems, worst first, in
        a few words."""
        _ = self.env._
        backend = self.backend
        errors = self._errors()
        problems = errors + self._warnings(stale_after)
        if problems:
            reason = "; ".join(problems)
            return ("error" if errors else "warning"), reason[:1].upper() + reason[1:]
        if not backend.import_orders or not backend.active:
            return "ok", _("Order import is turned off")
        if not backend.last_import_date:
            return "ok", _("Waiting for the first import")
        return "ok", _("Last import %s ago", self._ago(backend.last_import_date))

    def _ago(self, date):
        return format_delta(self.env, self.now - date)

    def _errors(self):
        _ = self.env._
        backend = self.backend
        errors = []
        if backend.consecutive_failures:
            reason = self.short_failure_reason()
            if backend.last_failure_date:
                errors.append(
                    _(
                        "last import failed %(duration)s ago: %(reason)s",
                        duration=self._ago(backend.last_failure_date),
                        reason=reason,
                    )
                )
            else:
                errors.append(_("last import failed: %(reason)s", reason=reason))
        if backend.failed_job_count:
            errors.append(
                _("1 failed job")
                if backend.failed_job_count == 1
                else _("%s failed jobs", backend.failed_job_count)
            )
        return errors

    def _warnings(self, stale_after):
        _ = self.env._
        backend = self.backend
        warnings = []
        if backend.order_error_count:
            warnings.append(
                _("1 order in error")
                if backend.order_error_count == 1
                else _("%s orders in error", backend.order_error_count)
            )
        if backend.export_error_count:
            warnings.append(
                _("1 status export in error")
                if backend.export_error_count == 1
                else _("%s status exports in error", backend.export_error_count)
            )
        if backend.stuck_job_count:
            warnings.append(
                _("1 job stuck")
                if backend.stuck_job_count == 1
                else _("%s jobs stuck", backend.stuck_job_count)
            )
        watched = backend.import_orders and backend.active
        if watched and not backend.consecutive_failures:
            since = backend.last_import_date or backend.create_date
            if since and self.now - since > stale_after:
                warnings.append(
                    _("no import for %s", self._ago(since))
                    if backend.last_import_date
                    else _("no import yet")
                )
        return warnings

    def short_failure_reason(self, size=80):
        """The first line of the last failure, without the account's name."""
        backend = self.backend
        message = (backend.last_failure_message or "").strip().splitlines()
        reason = message[0].strip() if message else self.env._("unknown reason")
        prefix = f"{backend.name}: "
        if reason.startswith(prefix):
            reason = reason[len(prefix) :]
        reason = reason.rstrip(" .")
        if len(reason) > size:
            reason = reason[: size - 1].rstrip() + "…"
        return reason
