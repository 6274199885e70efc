from odoo import fields, models


class MpPartnerBinding(models.Model):
    """A marketplace buyer known to Odoo as a partner."""

    _name = "mp.partner.binding"
    _description = "Marketplace Buyer"
    _order = "id desc"

    backend_id = fields.Many2one(
        "mp.backend", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="backend_id.company_id", store=True, index=True
    )
    external_id = fields.Char(string="Buyer ID", required=True)
    partner_id = fields.Many2one(
        "res.partner", required=True, ondelete="cascade", index=True
    )

    _sql_constraints = [
        (
            "external_uniq",
            "unique(backend_id, external_id)",
            "A marketplace buyer is bound once per account.",
        ),
    ]
