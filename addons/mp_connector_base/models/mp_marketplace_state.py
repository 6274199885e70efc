from mphub.canonical import OrderStatus

from odoo import api, fields, models

STATUS_SELECTION = [
    (OrderStatus.PENDING, "Pending"),
    (OrderStatus.WAITING_ACCEPTANCE, "Waiting for acceptance"),
    (OrderStatus.ACCEPTED, "Accepted, awaiting payment"),
    (OrderStatus.TO_SHIP, "To ship"),
    (OrderStatus.SHIPPED, "Shipped"),
    (OrderStatus.DELIVERED, "Delivered"),
    (OrderStatus.REFUSED, "Refused"),
    (OrderStatus.CANCELLED, "Cancelled"),
]


class MpMarketplaceState(models.Model):
    """An order state of a marketplace, as its API names it.

    Connectors ship their states as data; backends choose which of them
    create sale orders.
    """

    _name = "mp.marketplace.state"
    _description = "Marketplace Order State"
    _order = "backend_type, sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="The code the marketplace API uses.")
    sequence = fields.Integer(default=10)
    backend_type = fields.Char(
        string="Marketplace Code",
        required=True,
        index=True,
        help="Technical value of the marketplace type these states belong to.",
    )
    marketplace_name = fields.Char(
        string="Marketplace", compute="_compute_marketplace_name"
    )
    status = fields.Selection(
        STATUS_SELECTION,
        required=True,
        help="What the state means for the seller, whatever the marketplace.",
    )

    _sql_constraints = [
        (
            "code_uniq",
            "unique(backend_type, code)",
            "A marketplace state code must be unique per marketplace.",
        ),
    ]

    @api.depends("backend_type")
    def _compute_marketplace_name(self):
        """The marketplace as people name it (the label of the account type)."""
        labels = dict(
            self.env["mp.backend"]
            ._fields["backend_type"]
            ._description_selection(self.env)
        )
        for state in self:
            state.marketplace_name = labels.get(state.backend_type, state.backend_type)
