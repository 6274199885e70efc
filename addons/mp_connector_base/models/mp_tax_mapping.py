from odoo import api, fields, models


class MpTaxMapping(models.Model):
    """A marketplace's tax code and the sales tax it stands for.

    Marketplaces that name their taxes (Mirakl ``TVA_20``, say) let the order
    import take the tax of the code before looking among the country's
    taxes; the tax amount the marketplace charged is still checked.
    """

    _name = "mp.tax.mapping"
    _inherit = ["mp.account.mixin"]
    _description = "Marketplace Tax Mapping"
    _order = "backend_id, code, id"
    _check_company_auto = True

    code = fields.Char(
        string="Marketplace Tax Code",
        required=True,
        help="The tax code as the marketplace sends it in orders, e.g. TVA_20.",
    )
    tax_id = fields.Many2one(
        "account.tax",
        required=True,
        ondelete="cascade",
        check_company=True,
        domain="[('type_tax_use', '=', 'sale')]",
        help="Sales tax of the marketplace's prices: choose one included in "
        "price for marketplaces that sell tax included.",
    )

    _sql_constraints = [
        (
            "code_uniq",
            "unique(backend_id, code)",
            "A marketplace tax code is mapped once per account.",
        ),
    ]

    @api.depends("code", "tax_id")
    def _compute_display_name(self):
        for mapping in self:
            mapping.display_name = f"{mapping.code} → {mapping.tax_id.name or '?'}"
