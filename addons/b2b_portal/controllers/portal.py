import logging

from odoo import http
from odoo.http import request
from odoo.tools import email_normalize

from odoo.addons.portal.controllers.portal import CustomerPortal

_logger = logging.getLogger(__name__)

#: Fields of the public request form, copied to ``b2b.signup.request``.
SIGNUP_FIELDS = (
    "name",
    "vat",
    "street",
    "zip",
    "city",
    "contact_name",
    "email",
    "phone",
    "message",
)
SIGNUP_REQUIRED = ("name", "contact_name", "email")
#: Hidden field a human never fills (bots do).
HONEYPOT_FIELD = "website_url"
MAX_FIELD_LENGTH = 256
MAX_MESSAGE_LENGTH = 4000


class B2bPortal(CustomerPortal):
    # ------------------------------------------------------------------ /my
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "b2b_contact_count" in counters:
            partner = request.env.user.partner_id
            values["b2b_contact_count"] = (
                request.env["res.partner"].search_count(
                    self._prepare_b2b_contacts_domain(partner)
                )
                if partner.commercial_partner_id.b2b_state != "none"
                and request.env["res.partner"].has_access("read")
                else 0
            )
        return values

    def _prepare_b2b_contacts_domain(self, partner):
        return [
            ("id", "child_of", [partner.commercial_partner_id.id]),
            ("is_company", "=", False),
            ("type", "=", "contact"),
        ]

    @http.route(["/my/b2b/company"], type="http", auth="user", website=True)
    def portal_my_b2b_company(self, **kw):
        partner = request.env.user.partner_id
        company = partner.commercial_partner_id
        if company.b2b_state == "none":
            return request.redirect("/my")
        # No sudo: the stock portal rule lets the user read its commercial
        # partner and the contacts under it, nothing else.
        contacts = request.env["res.partner"].search(
            self._prepare_b2b_contacts_domain(partner), order="name"
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "b2b_company",
                "b2b_company": company,
                "b2b_contacts": contacts,
                "b2b_can_order": request.env.user._b2b_can_order(),
            }
        )
        return request.render("b2b_portal.portal_my_b2b_company", values)

    # ----------------------------------------------------------- /b2b/signup
    def _b2b_signup_values(self, post):
        values = {}
        for name in SIGNUP_FIELDS:
            limit = MAX_MESSAGE_LENGTH if name == "message" else MAX_FIELD_LENGTH
            values[name] = (post.get(name) or "").strip()[:limit]
        country = post.get("country_id") or ""
        values["country_id"] = int(country) if country.isdigit() else False
        return values

    def _b2b_signup_errors(self, values):
        env = request.env
        errors = {}
        for name in SIGNUP_REQUIRED:
            if not values[name]:
                errors[name] = env._("This field is required.")
        if values["email"] and not email_normalize(values["email"]):
            errors["email"] = env._("This e-mail address is not valid.")
        if (
            values["country_id"]
            and not env["res.country"].sudo().browse(values["country_id"]).exists()
        ):
            values["country_id"] = False
        return errors

    def _b2b_render_signup(self, values=None, errors=None, status=200):
        render_values = {
            "values": values or {},
            "errors": errors or {},
            "countries": request.env["res.country"].sudo().search([]),
            "honeypot_field": HONEYPOT_FIELD,
            "signup_closed": request.website.b2b_signup_policy == "closed",
        }
        return request.render(
            "b2b_portal.b2b_signup_form", render_values, status=status
        )

    @http.route(
        "/b2b/signup",
        type="http",
        auth="public",
        website=True,
        methods=["GET", "POST"],
        sitemap=True,
    )
    def b2b_signup(self, **post):
        if request.httprequest.method != "POST":
            return self._b2b_render_signup()
        if request.website.b2b_signup_policy == "closed":
            return self._b2b_render_signup(status=403)
        if post.get(HONEYPOT_FIELD):
            # Pretend it worked: a bot learns nothing.
            _logger.info("B2B signup: honeypot filled, request ignored")
            return request.redirect("/b2b/signup/thanks", code=303)
        values = self._b2b_signup_values(post)
        errors = self._b2b_signup_errors(values)
        if errors:
            return self._b2b_render_signup(values, errors, status=400)
        SignupRequest = request.env["b2b.signup.request"].sudo()
        remote_addr = request.httprequest.remote_addr
        if SignupRequest._rate_limit_reached(remote_addr):
            _logger.warning("B2B signup: rate limit reached for %s", remote_addr)
            errors = {
                "form": request.env._(
                    "Too many requests were sent from your network. "
                    "Please try again in an hour."
                )
            }
            return self._b2b_render_signup(values, errors, status=429)
        SignupRequest.create(
            dict(
                values,
                remote_addr=remote_addr,
                website_id=request.website.id,
                company_id=request.website.company_id.id,
            )
        )
        return request.redirect("/b2b/signup/thanks", code=303)

    @http.route(
        "/b2b/signup/thanks", type="http", auth="public", website=True, sitemap=False
    )
    def b2b_signup_thanks(self, **kw):
        return request.render("b2b_portal.b2b_signup_thanks", {})
