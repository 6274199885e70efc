from odoo import api, fields, models
from odoo.exceptions import UserError

B2B_STATES = [
    ("none", "Not B2B"),
    ("pending", "Pending"),
    ("validated", "Validated"),
    ("refused", "Refused"),
]
B2B_ROLES = [
    ("buyer", "Buyer"),
    ("approver", "Approver"),
    ("viewer", "Viewer"),
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    b2b_state = fields.Selection(
        B2B_STATES,
        string="B2B Account",
        default="none",
        required=True,
        tracking=True,
        copy=False,
        index=True,
        help="B2B status of the company: only validated companies can see the "
        "reserved catalogue and order on the B2B shop. Contacts follow their "
        "company's status.",
    )
    b2b_role = fields.Selection(
        B2B_ROLES,
        default="buyer",
        required=True,
        help="Buyer: orders within their order limit. Approver: orders and approves "
        "the orders above the buyers' limit. Viewer: reads the company's documents, "
        "never orders.",
    )
    b2b_currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_b2b_currency_id",
        help="Currency of the order limit: the company's currency.",
    )
    b2b_order_limit = fields.Monetary(
        string="Order Limit",
        currency_field="b2b_currency_id",
        help="Maximum untaxed amount of an order this contact may place without "
        "an approver. 0 means no limit.",
    )
    b2b_contact_ids = fields.One2many(
        "res.partner",
        "parent_id",
        string="B2B Contacts",
        domain=[("type", "=", "contact"), ("is_company", "=", False)],
        help="The contacts of this company (individuals), with their B2B role.",
    )
    b2b_portal_access = fields.Boolean(
        string="Portal Access",
        compute="_compute_b2b_portal_access",
        compute_sudo=True,
        help="The contact has an active portal user.",
    )

    @api.depends("company_id")
    @api.depends_context("company")
    def _compute_b2b_currency_id(self):
        for partner in self:
            partner.b2b_currency_id = (
                partner.company_id.currency_id or self.env.company.currency_id
            )

    @api.depends("user_ids.active", "user_ids.groups_id")
    def _compute_b2b_portal_access(self):
        for partner in self:
            partner.b2b_portal_access = any(
                user._is_portal() for user in partner.user_ids
            )

    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + ["b2b_state"]

    def _b2b_is_validated(self):
        """True when the commercial partner is a validated B2B account."""
        self.ensure_one()
        return self.commercial_partner_id.b2b_state == "validated"

    def _b2b_check_manager(self):
        if not self.env.user.has_group("sales_team.group_sale_manager"):
            raise UserError(
                self.env._("Only sales managers can validate or refuse B2B accounts.")
            )

    def action_b2b_validate(self):
        """Validate the B2B account of the selected companies."""
        self._b2b_check_manager()
        for partner in self.commercial_partner_id:
            partner.b2b_state = "validated"
            partner.message_post(body=self.env._("B2B account validated."))
        return True

    def action_b2b_refuse(self):
        """Refuse the B2B account of the selected companies."""
        self._b2b_check_manager()
        for partner in self.commercial_partner_id:
            partner.b2b_state = "refused"
            partner.message_post(body=self.env._("B2B account refused."))
        return True
