from odoo import fields, models


class MpPartnerBinding(models.Model):
    """A marketplace buyer known to Odoo as a partner (see
    ``services/partner_resolver.py``, the one place buyers and their
    addresses are found or created)."""

    _name = "mp.partner.binding"
    _inherit = ["mp.binding.mixin"]
    _description = "Marketplace Buyer"
    _order = "id desc"

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
