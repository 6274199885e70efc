from odoo import api, fields, models


class MpCarrierMapping(models.Model):
    """What a shipping method is called on a marketplace.

    Marketplaces want their own carrier codes (Mirakl SH21, Amazon carrier
    names); the shipment export looks the picking's carrier up here.
    """

    _name = "mp.carrier.mapping"
    _description = "Marketplace Carrier Mapping"
    _order = "backend_id, sequence, id"
    _check_company_auto = True

    sequence = fields.Integer(default=10, aggregator=None)
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

    def _tracking_url(self, tracking):
        self.ensure_one()
        if not self.tracking_url or not tracking:
            return None
        return self.tracking_url.replace("{tracking}", tracking)
