from odoo import api, fields, models

from odoo.addons.mp_connector_base.services.jobs import job_options


class MpRepricingRun(models.Model):
    """One run of a repricing rule: live (decisions applied unless the rule
    simulates), simulation, or replay over the stored history."""

    _name = "mp.repricing.run"
    _description = "Repricing Run"
    _order = "date_start desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name")
    rule_id = fields.Many2one(
        "mp.repricing.rule",
        required=True,
        ondelete="cascade",
        index=True,
        check_company=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda s: s.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_start = fields.Datetime(
        string="Started", required=True, default=fields.Datetime.now
    )
    date_end = fields.Datetime(string="Ended")
    state = fields.Selection(
        [("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        required=True,
        default="running",
    )
    mode = fields.Selection(
        [("live", "Live"), ("simulation", "Simulation"), ("replay", "Replay")],
        required=True,
        default="live",
    )
    offer_count = fields.Integer(string="Offers", aggregator="sum")
    changed_count = fields.Integer(string="Price Changes", aggregator="sum")
    applied_count = fields.Integer(string="Applied", aggregator="sum")
    simulated_count = fields.Integer(string="Simulated", aggregator="sum")
    blocked_count = fields.Integer(string="Blocked", aggregator="sum")
    war_blocked = fields.Boolean(
        string="Price War Suspected",
        help="An unusual share of the rule's offers would have dropped sharply: "
        "those drops were blocked.",
    )
    duration = fields.Float(string="Duration (s)", digits=(16, 2), aggregator="avg")
    decision_ids = fields.One2many("mp.repricing.decision", "run_id")
    decision_count = fields.Integer(compute="_compute_decision_count")
    note = fields.Text()

    @api.depends("rule_id", "date_start", "mode")
    def _compute_name(self):
        modes = dict(self._fields["mode"]._description_selection(self.env))
        for run in self:
            date = fields.Datetime.to_string(run.date_start) if run.date_start else ""
            rule = run.rule_id.display_name or ""
            run.name = f"{rule} - {modes.get(run.mode)} {date}"

    def _compute_decision_count(self):
        counts = dict(
            self.env["mp.repricing.decision"]._read_group(
                [("run_id", "in", self.ids)], ["run_id"], ["__count"]
            )
        )
        for run in self:
            run.decision_count = counts.get(run, 0)

    def action_view_decisions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "mp_repricing.action_mp_repricing_decision"
        )
        action["domain"] = [("run_id", "=", self.id)]
        action["context"] = {"search_default_changed": 0}
        return action

    @api.model
    def _cron_run_rules(self):
        """Queue one run job per active rule (the job runs on the rule)."""
        rules = self.env["mp.repricing.rule"].search([])
        for rule in rules:
            rule.with_delay(
                **job_options(
                    "repricing",
                    identity_key=f"mp-repricing-run-{rule.id}",
                    description=self.env._("Repricing: run %s", rule.name),
                )
            )._job_run()
        return rules

    def _action_open(self):
        """The run's form."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }
