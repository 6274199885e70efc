from odoo import fields, models


class MpAccountMixin(models.AbstractModel):
    """What every record kept for one marketplace account shares: the
    account, deleted with it, and the account's company, stored so that
    record rules and company checks read it.

    Journal runs and events, pushed batches, carrier and tax mappings use
    it; bindings have their own mixin (``mp.binding.mixin``).
    """

    _name = "mp.account.mixin"
    _description = "Marketplace Account Record"

    backend_id = fields.Many2one(
        "mp.backend",
        string="Marketplace Account",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(
        related="backend_id.company_id", store=True, index=True
    )
