from odoo import fields, models


class MpSyncEvent(models.Model):
    """A line of the sync journal: a retry, an error, a notable fact."""

    _name = "mp.sync.event"
    _inherit = ["mp.account.mixin"]
    _description = "Marketplace Sync Event"
    _order = "date desc, id desc"

    date = fields.Datetime(default=fields.Datetime.now, required=True, index=True)
    run_id = fields.Many2one(
        "mp.sync.run", string="Sync Run", ondelete="cascade", index="btree_not_null"
    )
    order_binding_id = fields.Many2one(
        "mp.order.binding",
        string="Marketplace Order",
        ondelete="cascade",
        index="btree_not_null",
        help="The order concerned; its raw payload is on it.",
    )
    level = fields.Selection(
        [("info", "Info"), ("warning", "Warning"), ("error", "Error")],
        default="info",
        required=True,
    )
    event_type = fields.Selection(
        [
            ("info", "Information"),
            ("retry", "Retry"),
            ("data_error", "Data error"),
            ("export_error", "Export error"),
            ("failure", "Run failure"),
        ],
        string="Type",
        default="info",
        required=True,
        index=True,
    )
    message = fields.Text(required=True)
    job_uuid = fields.Char(string="Job UUID", index="btree_not_null")
