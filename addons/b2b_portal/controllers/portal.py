import logging

from werkzeug.exceptions import Forbidden

from odoo import http
from odoo.http import request
from odoo.tools import email_normalize

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.website_sale.controllers.main import WebsiteSale

from .quick_order import QuickOrderController
from .throttle import check_rate, too_many_requests  # --- H16C ---

_logger = logging.getLogger(__name__)

# --- H16C ---
#: Act-as start/stop calls per minute and user (see throttle.py).
ACT_RATE_LIMIT = 20
# --- end H16C ---

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
        if not counters:
            # H6: rendering /my itself (the counters come later, by RPC).
            values["b2b_open_balance"] = self._b2b_open_balance(
                request.env.user.partner_id
            )
        return values

    def _b2b_open_balance(self, partner):
        """Open invoices of partner's B2B company: dict, or None if not B2B.

        The sums are read in sudo, scoped to the user's own commercial
        partner: a contact of the company sees its balance even when the
        invoices were sent to another contact.
        """
        company = partner.commercial_partner_id
        if company.b2b_state != "validated":
            return None
        moves = (
            request.env["account.move"]
            .sudo()
            .search(
                [
                    ("commercial_partner_id", "=", company.id),
                    ("move_type", "in", ("out_invoice", "out_refund")),
                    ("state", "=", "posted"),
                    ("payment_state", "in", ("not_paid", "partial")),
                ]
            )
        )
        if not moves:
            return None
        return {
            "company": company,
            "amount": sum(moves.mapped("amount_residual_signed")),
            "count": len(moves.filtered(lambda move: move.move_type == "out_invoice")),
            "currency": moves[:1].company_id.currency_id,
        }

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
                # H6: the record rules show a portal user its company's logs.
                "b2b_act_logs": request.env["b2b.act.log"].search(
                    [("partner_id", "=", company.id)], limit=50
                )
                if request.env["b2b.act.log"].has_access("read")
                else request.env["b2b.act.log"],
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

    # ------------------------------------------------- H6: sales reps' accounts
    def _b2b_account_stats(self, partners):
        """Open orders, open quotes, unpaid invoices and last activity per account.

        :param partners: the managed companies (sudo), already access-checked
        :returns: dict partner id -> dict of figures
        """
        env = request.env
        stats = {
            partner.id: {
                "orders": 0,
                "quotes": 0,
                "invoices": 0,
                "due": 0.0,
                "currency": partner.b2b_currency_id,
                "last": False,
            }
            for partner in partners
        }
        if not partners:
            return stats
        SaleOrder = env["sale.order"].sudo()
        base = [("partner_id.commercial_partner_id", "in", partners.ids)]
        for field, domain in (
            ("orders", [("state", "=", "sale"), ("invoice_status", "!=", "invoiced")]),
            (
                "quotes",
                [
                    ("state", "in", ("draft", "sent")),
                    "|",
                    ("website_id", "=", False),
                    ("state", "=", "sent"),
                ],
            ),
        ):
            for partner, count in SaleOrder._read_group(
                base + domain, ["partner_id"], ["__count"]
            ):
                stats[partner.commercial_partner_id.id][field] += count
        for partner, last in SaleOrder._read_group(
            base + [("state", "!=", "cancel")], ["partner_id"], ["date_order:max"]
        ):
            current = stats[partner.commercial_partner_id.id]["last"]
            stats[partner.commercial_partner_id.id]["last"] = (
                max(current, last) if current else last
            )
        for commercial, count, due in (
            env["account.move"]
            .sudo()
            ._read_group(
                [
                    ("commercial_partner_id", "in", partners.ids),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "in", ("not_paid", "partial")),
                ],
                ["commercial_partner_id"],
                ["__count", "amount_residual_signed:sum"],
            )
        ):
            stats[commercial.id]["invoices"] = count
            stats[commercial.id]["due"] = due
        for res_id, last in (
            env["mail.message"]
            .sudo()
            ._read_group(
                [
                    ("model", "=", "res.partner"),
                    ("res_id", "in", partners.ids),
                    ("message_type", "in", ("comment", "email")),
                ],
                ["res_id"],
                ["date:max"],
            )
        ):
            current = stats[res_id]["last"]
            stats[res_id]["last"] = max(current, last) if current else last
        return stats

    def _b2b_check_sales_rep(self):
        if not request.env.user._b2b_is_sales_rep():
            raise Forbidden()

    @http.route(["/my/b2b/accounts"], type="http", auth="user", website=True)
    def portal_my_b2b_accounts(self, **kw):
        self._b2b_check_sales_rep()
        partners = request.env.user._b2b_managed_partners()
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "b2b_accounts",
                "b2b_accounts": partners,
                "b2b_stats": self._b2b_account_stats(partners),
                "b2b_acting": request.website._b2b_acting_partner(),
                "b2b_redirect": self._b2b_local_url(kw.get("redirect")),
            }
        )
        return request.render("b2b_portal.portal_my_b2b_accounts", values)

    @staticmethod
    def _b2b_local_url(url, default="/shop"):
        """url when it is a path of this website, else default."""
        if (
            not isinstance(url, str)
            or not url.startswith("/")
            or url.startswith("//")
            or "\\" in url
        ):
            return default
        return url

    @http.route(
        ["/my/b2b/accounts/<int:partner_id>/act"],
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def portal_my_b2b_act(self, partner_id, **kw):
        """Start ordering for a managed customer (POST with the CSRF token)."""
        # --- H16C ---
        error = check_rate("act_start", ACT_RATE_LIMIT)
        if error:
            return too_many_requests(error)
        # --- end H16C ---
        self._b2b_check_sales_rep()
        partner = request.env["res.partner"].sudo().browse(partner_id).exists()
        if not partner or not request.env.user._b2b_can_act_for(partner):
            raise Forbidden()
        website = request.website
        previous = website._b2b_acting_partner()
        if previous:
            request.env["b2b.act.log"]._b2b_log(previous, "stop")
        # A new cart: neither the rep's own nor another customer's.
        website.sale_reset()
        request.session[website._b2b_act_session_key] = partner.id
        request.env["b2b.act.log"]._b2b_log(partner, "start")
        return request.redirect(self._b2b_local_url(kw.get("redirect")))

    @http.route(
        ["/my/b2b/act/stop"], type="http", auth="user", website=True, methods=["POST"]
    )
    def portal_my_b2b_act_stop(self, **kw):
        # --- H16C ---
        error = check_rate("act_stop", ACT_RATE_LIMIT)
        if error:
            return too_many_requests(error)
        # --- end H16C ---
        website = request.website
        partner = website._b2b_acting_partner()
        if partner:
            request.env["b2b.act.log"]._b2b_log(partner, "stop")
        request.session.pop(website._b2b_act_session_key, None)
        website.sale_reset()
        return request.redirect("/my/b2b/accounts")


def _b2b_log_acting(action, order=None, details=None):
    """Log action when the current user is acting for a customer."""
    partner = request.website._b2b_acting_partner()
    if partner:
        request.env["b2b.act.log"]._b2b_log(partner, action, order, details)
    return partner


def _b2b_cart_details(order, product_id, quantity):
    product = request.env["product.product"].sudo().browse(int(product_id)).exists()
    return request.env._(
        "%(product)s: quantity %(quantity)s (cart total %(total)s %(currency)s)",
        product=product.display_name,
        quantity=quantity,
        total=order.amount_untaxed,
        currency=order.currency_id.name,
    )


class B2bActingWebsiteSale(WebsiteSale):
    """Log what a sales rep acting for a customer does in the shop."""

    @http.route()
    def cart_update_json(self, product_id, *args, **kwargs):
        result = super().cart_update_json(product_id, *args, **kwargs)
        if request.website._b2b_acting_partner() and result:
            order = request.website.sale_get_order()
            if order:
                _b2b_log_acting(
                    "cart",
                    order,
                    _b2b_cart_details(order, product_id, result.get("quantity", 0)),
                )
        return result

    @http.route()
    def cart_update(self, product_id, *args, **kwargs):
        response = super().cart_update(product_id, *args, **kwargs)
        if request.website._b2b_acting_partner():
            order = request.website.sale_get_order()
            line = order.order_line.filtered(
                lambda line: line.product_id.id == int(product_id)
            )[:1]
            if order:
                quantity = line.product_uom_qty if line else 0
                _b2b_log_acting(
                    "cart", order, _b2b_cart_details(order, product_id, quantity)
                )
        return response

    @http.route()
    def shop_checkout(self, *args, **kwargs):
        order = request.website.sale_get_order()
        if order and request.website._b2b_acting_partner():
            last = (
                request.env["b2b.act.log"]
                .sudo()
                .search([("order_id", "=", order.id)], limit=1)
            )
            if last.action != "checkout":
                _b2b_log_acting("checkout", order)
        return super().shop_checkout(*args, **kwargs)

    @http.route()
    def shop_payment_confirmation(self, **post):
        partner = request.website._b2b_acting_partner()
        order_id = request.session.get("sale_last_order_id")
        if partner and order_id:
            order = request.env["sale.order"].sudo().browse(order_id).exists()
            Log = request.env["b2b.act.log"].sudo()
            if (
                order
                and order.partner_id.commercial_partner_id == partner
                and not Log.search_count(
                    [("order_id", "=", order.id), ("action", "=", "confirm")]
                )
            ):
                _b2b_log_acting("confirm", order, order.name)
        return super().shop_payment_confirmation(**post)


class B2bActingQuickOrder(QuickOrderController):
    """The quick order of a sales rep acting for a customer works as theirs."""

    def _quick_order_service(self):
        service = super()._quick_order_service()
        partner = request.website._b2b_acting_partner()
        if partner:
            service.partner = partner
        return service

    @http.route()
    def quick_order_add(self, rows=None, **kwargs):
        result = super().quick_order_add(rows=rows, **kwargs)
        if request.website._b2b_acting_partner():
            order = request.website.sale_get_order()
            if order:
                _b2b_log_acting(
                    "cart",
                    order,
                    request.env._(
                        "Quick order: %(count)s line(s) in the cart",
                        count=len(order.website_order_line),
                    ),
                )
        return result
