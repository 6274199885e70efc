import base64

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.mp_connector_base.services.notify import RELOAD, notification
from odoo.addons.mp_connector_base.services.stored_text import in_company_lang

from ..services.competitor_import import CompetitorImport

IMPORT_STATES = [
    ("draft", "Draft"),
    ("done", "Imported"),
    ("partial", "Imported With Errors"),
    ("failed", "Failed"),
]


class MpCompetitorImport(models.Model):
    """A file of competitor prices (CSV or XLSX) for an account whose
    marketplace has no API for them (``mphub.repricing.imports``).

    Its rows become competitor offers (``mp.competitor.snapshot`` of source
    "import"), stored as the API's: only changes. The rows in error are
    kept, with their cells and the reason, to be retried once the offer or
    the cell is fixed.
    """

    _name = "mp.competitor.import"
    _inherit = ["mail.thread"]
    _description = "Competitor Price Import"
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, default=lambda self: self.env._("New import"))
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    backend_id = fields.Many2one(
        "mp.backend",
        string="Marketplace Account",
        required=True,
        ondelete="cascade",
        index=True,
        check_company=True,
        help="The account whose offers the competitor prices are for.",
    )
    file = fields.Binary(attachment=False, copy=False)
    filename = fields.Char()
    state = fields.Selection(
        IMPORT_STATES, default="draft", required=True, readonly=True, tracking=True
    )
    date = fields.Datetime(readonly=True, copy=False)
    user_id = fields.Many2one(
        "res.users", string="Imported By", default=lambda self: self.env.user
    )
    row_count = fields.Integer(string="Rows", readonly=True, copy=False)
    imported_count = fields.Integer(string="Imported", readonly=True, copy=False)
    error_count = fields.Integer(
        string="Errors", compute="_compute_error_count", store=True
    )
    message = fields.Text(readonly=True, copy=False)
    row_ids = fields.One2many(
        "mp.competitor.import.row", "import_id", string="Rows in Error", readonly=True
    )

    @api.depends("row_ids.state")
    def _compute_error_count(self):
        counts = {
            imp.id: count
            for imp, count in self.env["mp.competitor.import.row"]._read_group(
                [("import_id", "in", self.ids), ("state", "=", "error")],
                ["import_id"],
                ["__count"],
            )
        }
        for record in self:
            record.error_count = counts.get(record.id, 0)

    @api.onchange("backend_id")
    def _onchange_backend_id(self):
        if self.backend_id:
            self.company_id = self.backend_id.company_id

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------
    def action_import(self):
        """Read the file and store its competitor offers."""
        self.ensure_one()
        if not self.file:
            raise UserError(self.env._("Choose a CSV or XLSX file to import."))
        record = in_company_lang(self, self.company_id)
        CompetitorImport(record).run_file(base64.b64decode(self.file))
        return notification(
            record._summary(),
            kind="success" if self.state == "done" else "warning",
            next_action=RELOAD,
        )

    def action_retry_errors(self):
        """Read the cells of every row in error again."""
        self.ensure_one()
        rows = self.row_ids.filtered(lambda r: r.state == "error")
        if not rows:
            raise UserError(self.env._("There is no row in error to retry."))
        return rows.action_retry()

    def _summary(self):
        return self.env._(
            "%(imported)s of %(rows)s rows imported, %(errors)s in error.",
            imported=self.imported_count,
            rows=self.row_count,
            errors=self.error_count,
        )


class MpCompetitorImportRow(models.Model):
    """A row of an import that could not be stored, kept to be retried."""

    _name = "mp.competitor.import.row"
    _description = "Competitor Price Import Row"
    _order = "import_id, row_number, id"

    import_id = fields.Many2one(
        "mp.competitor.import", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="import_id.company_id", store=True)
    backend_id = fields.Many2one(related="import_id.backend_id")
    row_number = fields.Integer(string="Row")
    raw = fields.Text(string="Cells", help="The row's cells (column -> value), JSON.")
    reason = fields.Char()
    state = fields.Selection(
        [("error", "Error"), ("done", "Imported")], default="error", required=True
    )

    def action_retry(self):
        """Read these rows' cells again (after the offer or the cells were
        fixed)."""
        rows = self.filtered(lambda r: r.state == "error")
        for imp, imp_rows in rows.grouped("import_id").items():
            record = in_company_lang(imp, imp.company_id)
            CompetitorImport(record).retry_rows(imp_rows.with_env(record.env))
        imports = rows.import_id
        if len(imports) == 1:
            return notification(
                imports._summary(),
                kind="success" if not imports.error_count else "warning",
                next_action=RELOAD,
            )
        return notification(self.env._("Rows retried."), next_action=RELOAD)
