from odoo import fields, models


class MpOrderBinding(models.Model):
    """What a batched status export keeps on the order until the account's
    job sends it with others (``services/status_batch.py``): clients that
    send several orders per call (``status_batch_size`` > 1)."""

    _inherit = "mp.order.binding"

    accept_decisions = fields.Json(
        string="Decisions to Send",
        copy=False,
        prefetch=False,
        help="Line id -> accepted, waiting to be sent with other orders.",
    )
    accept_retry_at = fields.Datetime(
        string="Acceptance Retry At",
        copy=False,
        help="The marketplace asked to send this acceptance again later: not "
        "before this time.",
    )
    accept_attempts = fields.Integer(string="Acceptance Attempts", copy=False)
    ship_picking_id = fields.Many2one(
        "stock.picking",
        string="Delivery to Declare",
        copy=False,
        ondelete="set null",
        help="The delivery whose shipment waits to be sent with other orders.",
    )
    ship_retry_at = fields.Datetime(
        string="Shipment Retry At",
        copy=False,
        help="The marketplace asked to send this shipment again later: not "
        "before this time.",
    )
    ship_attempts = fields.Integer(string="Shipment Attempts", copy=False)
