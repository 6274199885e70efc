from datetime import timedelta

from odoo import api, fields, models

from ..services.journal import Journal


def format_duration(env, seconds):
    """``seconds`` as people read it: "< 1 s", "12 s", "1 min 12 s",
    "2 h 05 min"."""
    seconds = int(round(seconds or 0))
    if seconds < 1:
        return env._("< 1 s")
    if seconds < 60:
        return env._("%s s", seconds)
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return env._("%(min)s min %(s)s s", min=minutes, s=seconds)
    hours, minutes = divmod(minutes, 60)
    return env._("%(h)s h %(min)02d min", h=hours, min=minutes)


class MpSyncRun(models.Model):
    """One synchronisation run: an import, a batch of processing, an export.

    The journal of what was done, when, how long it took and with what
    result; the retries and errors it met are its events.
    """

    _name = "mp.sync.run"
    _inherit = ["mp.account.mixin"]
    _description = "Marketplace Sync Run"
    _order = "date_start desc, id desc"
    _rec_name = "display_name"

    parent_id = fields.Many2one(
        "mp.sync.run",
        string="Import Run",
        ondelete="set null",
        index="btree_not_null",
        help="The import run that queued this processing.",
    )
    operation = fields.Selection(
        [
            ("import_orders", "Order import"),
            ("process_orders", "Order processing"),
            ("export_status", "Order status export"),
            ("export_offers", "Stock and price export"),
            ("import_listings", "Listing import"),
            ("check_drift", "Drift check"),
        ],
        required=True,
        index=True,
    )
    state = fields.Selection(
        [("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        default="running",
        required=True,
        index=True,
    )
    result = fields.Selection(
        [
            ("running", "Running"),
            ("done", "Done"),
            ("done_errors", "Done with Errors"),
            ("failed", "Failed"),
        ],
        compute="_compute_result",
        store=True,
        index=True,
        help="Done with Errors: the run went to its end, but some records were "
        "refused, could not be read or wait for a review (see its errors).",
    )
    date_start = fields.Datetime(
        string="Started", default=fields.Datetime.now, required=True
    )
    date_end = fields.Datetime(string="Ended")
    duration = fields.Float(
        string="Duration (s)",
        compute="_compute_duration",
        store=True,
        aggregator="avg",
    )
    duration_text = fields.Char(
        string="Duration",
        compute="_compute_duration_text",
        help="How long the run took, or has been running.",
    )
    window_start = fields.Datetime(
        string="Orders Updated Since",
        help="Start of the window asked to the marketplace.",
    )
    cursor_candidate = fields.Datetime(
        string="Cursor After Success",
        help="Where the account's cursor moves when every page is stored.",
    )
    page_count = fields.Integer(string="Pages")
    total_expected = fields.Integer(string="Orders in Window")
    count_fetched = fields.Integer(string="Fetched")
    count_new = fields.Integer(string="New")
    count_updated = fields.Integer(string="Updated")
    count_unchanged = fields.Integer(string="Unchanged")
    count_done = fields.Integer(string="Processed")
    count_skipped = fields.Integer(string="Skipped")
    count_error = fields.Integer(string="Errors")
    count_drift = fields.Integer(string="Drifted")
    count_retry = fields.Integer(string="Retries", compute="_compute_count_retry")
    message = fields.Text()
    event_ids = fields.One2many("mp.sync.event", "run_id", string="Events")
    child_ids = fields.One2many("mp.sync.run", "parent_id", string="Processing Runs")

    @api.depends("date_start", "date_end")
    def _compute_duration(self):
        for run in self:
            if run.date_start and run.date_end:
                run.duration = (run.date_end - run.date_start).total_seconds()
            else:
                run.duration = 0.0

    @api.depends("state", "count_error")
    def _compute_result(self):
        for run in self:
            if run.state == "done" and run.count_error:
                run.result = "done_errors"
            else:
                run.result = run.state

    @api.depends("date_start", "date_end", "duration")
    def _compute_duration_text(self):
        now = fields.Datetime.now()
        for run in self:
            if run.date_end:
                seconds = run.duration
            elif run.state == "running" and run.date_start:
                seconds = (now - run.date_start).total_seconds()
            else:
                run.duration_text = False
                continue
            text = format_duration(self.env, seconds)
            run.duration_text = (
                self.env._("%s (running)", text) if not run.date_end else text
            )

    def _compute_count_retry(self):
        groups = self.env["mp.sync.event"]._read_group(
            [("run_id", "in", self.ids), ("event_type", "=", "retry")],
            ["run_id"],
            ["__count"],
        )
        counts = {run.id: count for run, count in groups}
        for run in self:
            run.count_retry = counts.get(run.id, 0)

    @api.depends("backend_id", "operation", "date_start")
    def _compute_display_name(self):
        labels = dict(self._fields["operation"]._description_selection(self.env))
        for run in self:
            run.display_name = self.env._(
                "%(backend)s: %(operation)s #%(id)s",
                backend=run.backend_id.name or "?",
                operation=labels.get(run.operation, run.operation or ""),
                id=run.id,
            )

    def _close(self, state, message=None):
        vals = {"state": state, "date_end": fields.Datetime.now()}
        if message:
            vals["message"] = message
        self.write(vals)

    def _fail(self, message):
        """Mark running runs failed and count the failure on their account."""
        running = self.filtered(lambda r: r.state == "running")
        running._close("failed", message)
        for run in running:
            run.backend_id._log_event("error", message, run=run, event_type="failure")
            if run.operation == "import_orders":
                Journal(run.backend_id).register_failure(message)

    def action_open_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "mp_connector_base.mp_sync_event_action"
        )
        action["domain"] = [("run_id", "=", self.id)]
        action["context"] = {}
        action["display_name"] = self.env._("Events of %s", self.display_name)
        return action

    def action_open_jobs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "mp_connector_base.queue_job_action"
        )
        action.update(
            domain=[("mp_run_id", "=", self.id)],
            context={},
            display_name=self.env._("Jobs of %s", self.display_name),
        )
        return action

    @api.autovacuum
    def _gc_journal(self):
        days = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("mp_connector_base.journal_retention_days", 30)
        )
        limit = fields.Datetime.now() - timedelta(days=max(1, days))
        self.env["mp.sync.event"].sudo().search([("date", "<", limit)]).unlink()
        self.sudo().search(
            [("date_start", "<", limit), ("state", "!=", "running")]
        ).unlink()
