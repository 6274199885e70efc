import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import email_normalize

_logger = logging.getLogger(__name__)

#: Maximum number of requests accepted from one address in an hour.
RATE_LIMIT_PER_HOUR = 5


class B2bSignupRequest(models.Model):
    _name = "b2b.signup.request"
    _description = "B2B Account Request"
    _inherit = ["mail.thread"]
    _order = "create_date desc, id desc"
    _mail_post_access = "read"

    name = fields.Char(
        string="Company Name", required=True, tracking=True, help="Legal name."
    )
    vat = fields.Char(
        string="Tax ID",
        tracking=True,
        help="VAT number: an existing company with the same one is reused.",
    )
    street = fields.Char()
    zip = fields.Char()
    city = fields.Char()
    country_id = fields.Many2one("res.country")
    contact_name = fields.Char(
        required=True, help="Name of the person who will buy on the B2B shop."
    )
    email = fields.Char(
        required=True, tracking=True, help="E-mail of the contact, used as login."
    )
    phone = fields.Char()
    message = fields.Text(help="Message of the applicant to the sales team.")
    state = fields.Selection(
        [("draft", "To Review"), ("validated", "Validated"), ("refused", "Refused")],
        default="draft",
        required=True,
        tracking=True,
        copy=False,
        index=True,
    )
    refuse_reason = fields.Text(
        tracking=True, copy=False, help="Why the request was refused (internal)."
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        copy=False,
        readonly=True,
        help="The company partner created or found when validating.",
    )
    contact_id = fields.Many2one(
        "res.partner",
        copy=False,
        readonly=True,
        help="The contact created or found when validating.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Portal User",
        copy=False,
        readonly=True,
        help="The portal user created when validating.",
    )
    website_id = fields.Many2one(
        "website", readonly=True, help="Website the request was sent from."
    )
    remote_addr = fields.Char(
        string="IP Address",
        readonly=True,
        copy=False,
        index=True,
        help="Address the request was sent from (rate limit).",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
    )

    @api.model
    def _rate_limit_reached(self, remote_addr):
        """True when remote_addr already sent RATE_LIMIT_PER_HOUR requests this hour."""
        if not remote_addr:
            return False
        since = fields.Datetime.now() - timedelta(hours=1)
        count = self.sudo().search_count(
            [("remote_addr", "=", remote_addr), ("create_date", ">=", since)]
        )
        return count >= RATE_LIMIT_PER_HOUR

    @api.model_create_multi
    def create(self, vals_list):
        requests = super().create(vals_list)
        for request in requests:
            partner = request._find_company_partner()
            if partner and partner.b2b_state in ("none", "refused"):
                partner.sudo().b2b_state = "pending"
                request.partner_id = partner
        return requests

    def _check_manager(self):
        if not self.env.user.has_group("sales_team.group_sale_manager"):
            raise UserError(
                self.env._("Only sales managers can validate or refuse B2B requests.")
            )

    def _find_company_partner(self):
        """An existing company partner with the same VAT, if any."""
        self.ensure_one()
        if not self.vat:
            return self.env["res.partner"]
        vat = self.vat.replace(" ", "").upper()
        partners = self.env["res.partner"].search(
            [("is_company", "=", True), ("vat", "!=", False)]
            + [("vat", "=ilike", f"{vat[:2]}%")]
        )
        return partners.filtered(lambda p: p.vat.replace(" ", "").upper() == vat)[:1]

    def _prepare_company_values(self):
        self.ensure_one()
        return {
            "name": self.name,
            "is_company": True,
            "vat": self.vat,
            "street": self.street,
            "zip": self.zip,
            "city": self.city,
            "country_id": self.country_id.id,
            "phone": self.phone,
            "email": self.email,
            "company_id": False,
        }

    def _prepare_contact_values(self, company):
        self.ensure_one()
        return {
            "name": self.contact_name,
            "parent_id": company.id,
            "type": "contact",
            "email": self.email,
            "phone": self.phone,
            "b2b_role": "buyer",
        }

    def action_validate(self):
        """Create the company, its buyer contact and a portal user (invited)."""
        self._check_manager()
        for request in self:
            if request.state != "draft":
                raise UserError(self.env._("Only requests to review can be validated."))
            request._validate()
        return True

    def _validate(self):
        self.ensure_one()
        partner_model = self.env["res.partner"].sudo()
        company = (self.partner_id or self._find_company_partner()).sudo()
        if company:
            company.b2b_state = "validated"
        else:
            company = partner_model.create(
                dict(self._prepare_company_values(), b2b_state="validated")
            )
        email = email_normalize(self.email)
        contact = company.child_ids.filtered(
            lambda p: email_normalize(p.email or "") == email
        )[:1]
        if not contact:
            contact = partner_model.create(self._prepare_contact_values(company))
        user = contact.user_ids[:1]
        if not user:
            wizard = (
                self.env["portal.wizard"]
                .sudo()
                .with_company(self.company_id)
                .create({"partner_ids": [(6, 0, contact.ids)]})
            )
            wizard.user_ids.action_grant_access()
            user = contact.with_context(active_test=False).user_ids[:1]
        self.write(
            {
                "state": "validated",
                "partner_id": company.id,
                "contact_id": contact.id,
                "user_id": user.id,
            }
        )
        company.message_post(
            body=self.env._(
                "B2B account validated from the request of %(name)s.",
                name=self.contact_name,
            )
        )
        _logger.info("B2B request %s validated: partner %s", self.id, company.id)

    def action_refuse(self):
        """Refuse the request (a reason is required); the company, if any, too."""
        self._check_manager()
        for request in self:
            if request.state != "draft":
                raise UserError(self.env._("Only requests to review can be refused."))
            if not request.refuse_reason:
                raise UserError(
                    self.env._("Give the reason of the refusal before refusing.")
                )
            partner = request.partner_id or request._find_company_partner()
            request.write({"state": "refused", "partner_id": partner.id})
            # Never downgrade a validated account because of a new request.
            if partner.b2b_state == "pending":
                partner.sudo().b2b_state = "refused"
            request.message_post(
                body=self.env._(
                    "Request refused: %(reason)s", reason=request.refuse_reason
                )
            )
        return True

    def action_reset_draft(self):
        """Put a refused request back to review."""
        self._check_manager()
        self.filtered(lambda r: r.state == "refused").state = "draft"
        return True
