from odoo import api, fields, models
from odoo.osv import expression


class MpCarrierMapping(models.Model):
    """What a shipping method is called on a marketplace.

    Marketplaces want their own carrier codes (Mirakl SH21, Amazon carrier
    names); the shipment export looks the picking's carrier up here.
    """

    _name = "mp.carrier.mapping"
    _inherit = ["mp.account.mixin"]
    _description = "Marketplace Carrier Mapping"
    _order = "backend_id, sequence, id"
    _check_company_auto = True

    sequence = fields.Integer(default=10, aggregator=None)
    carrier_id = fields.Many2one(
        "delivery.carrier",
        string="Shipping Method",
        ondelete="cascade",
        check_company=True,
        help="Leave empty to use this line for deliveries without a shipping method.",
    )
    marketplace_code = fields.Char(
        string="Marketplace Carrier Code",
        help="Code of a carrier registered on the marketplace.",
    )
    marketplace_name = fields.Char(
        string="Carrier Name",
        help="Name sent for a carrier the marketplace does not know.",
    )
    tracking_url = fields.Char(
        string="Tracking URL",
        help="Tracking page, with {tracking} standing for the tracking number; "
        "only sent for carriers the marketplace does not know.",
    )
    tracking_required = fields.Boolean(
        default=True,
        help="Refuse to declare the shipment without a tracking number.",
    )

    _sql_constraints = [
        (
            "carrier_uniq",
            "unique(backend_id, carrier_id)",
            "A shipping method is mapped once per marketplace account.",
        ),
    ]

    @api.depends("carrier_id", "marketplace_code", "marketplace_name")
    def _compute_display_name(self):
        for mapping in self:
            target = mapping.marketplace_code or mapping.marketplace_name or "?"
            source = mapping.carrier_id.name or self.env._("(no shipping method)")
            mapping.display_name = f"{source} → {target}"

    @api.model
    def _match_carriers(self, backend, candidates, exact=True, first_only=True):
        """Map the shipping methods named after marketplace carriers: the one
        carrier-matching rule of every connector.

        ``candidates``: ``(marketplace code, names)`` pairs, in order of
        preference. For each code, the shipping methods of the account's
        company (or shared) whose name is one of ``names`` (case-insensitive;
        containing one of them when not ``exact``) are searched: the first
        (every one, when not ``first_only``) not mapped yet on the account is
        mapped to the code. Returns the new mappings and the codes that
        found no shipping method to map.
        """
        operator = "=ilike" if exact else "ilike"
        mapped = backend.carrier_mapping_ids.carrier_id
        company = [("company_id", "in", [False, backend.company_id.id])]
        vals_list, unmatched = [], []
        for code, names in candidates:
            names = [name for name in names if name]
            carriers = self.env["delivery.carrier"]
            if names:
                by_name = expression.OR([[("name", operator, name)] for name in names])
                carriers = carriers.search(
                    expression.AND([by_name, company]),
                    limit=1 if first_only else None,
                )
            carriers -= mapped
            if not carriers:
                unmatched.append(code)
            for carrier in carriers:
                vals_list.append(
                    {
                        "backend_id": backend.id,
                        "carrier_id": carrier.id,
                        "marketplace_code": code,
                    }
                )
                mapped |= carrier
        return self.create(vals_list), unmatched

    def _tracking_url(self, tracking):
        self.ensure_one()
        if not self.tracking_url or not tracking:
            return None
        return self.tracking_url.replace("{tracking}", tracking)
