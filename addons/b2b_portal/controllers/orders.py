from urllib.parse import urlencode

from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request, route

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager
from odoo.addons.website_sale.controllers.main import WebsiteSale

# --- H16C ---
from .throttle import check_rate, too_many_requests

#: Calls per minute and user a real buyer never reaches (see throttle.py).
QUOTE_RATE_LIMIT = 10
APPROVAL_RATE_LIMIT = 30
REORDER_RATE_LIMIT = 10
# --- end H16C ---

BLOCKED_TEMPLATE = "b2b_portal.b2b_checkout_blocked"


class B2BOrdersWebsiteSale(WebsiteSale):
    # --- H16D: a B2B cart breaking a minimum or a pack goes back to the cart ---

    def _check_cart(self, order_sudo):
        # Checkout, address, delivery, payment and order on account all check
        # the cart here (a cart filled before signing in keeps its quantities).
        if redirection := super()._check_cart(order_sudo):
            return redirection
        errors = order_sudo._b2b_cart_quantity_errors()
        if errors:
            order_sudo.shop_warning = " ".join(errors)
            return request.redirect("/shop/cart")
        return None

    # --- end H16D ---

    # --- H5: approval and credit limit before the payment step ---

    @route()
    def shop_payment(self, **post):
        order_sudo = request.website.sale_get_order()
        if (
            order_sudo
            and order_sudo.state == "draft"
            and not self._check_cart_and_addresses(order_sudo)
        ):
            reason = order_sudo._b2b_checkout_block()
            if reason:
                return self._b2b_block_checkout(order_sudo, reason)
        return super().shop_payment(**post)

    def _b2b_block_checkout(self, order_sudo, reason):
        """Turn the cart into a quotation instead of going to the payment.

        :param reason: ``approval`` (above the buyer's limit: the company's
            approvers are asked) or ``credit`` (above the credit limit: a quote
            for the sales team)
        """
        order_sudo._recompute_prices()
        if reason == "approval":
            order_sudo._b2b_request_approval()
        else:
            order_sudo._b2b_request_quote()
        self._b2b_log_acting("quote", order_sudo)
        request.website.sale_reset()
        return request.render(BLOCKED_TEMPLATE, {"order": order_sudo, "reason": reason})

    # --- H5: request a quote from the cart ---

    @route(
        "/shop/cart/b2b_request_quote",
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
        sitemap=False,
    )
    def b2b_cart_request_quote(self, **post):
        # --- H16C ---
        error = check_rate("cart_request_quote", QUOTE_RATE_LIMIT)
        if error:
            return too_many_requests(error)
        # --- end H16C ---
        if not request.env.user._b2b_can_order():
            raise AccessError(request.env._("You cannot order on this website."))
        order_sudo = request.website.sale_get_order()
        if not order_sudo or order_sudo.state != "draft" or not order_sudo.order_line:
            return request.redirect("/shop/cart")
        order_sudo._b2b_request_quote()
        self._b2b_log_acting("quote", order_sudo)
        request.website.sale_reset()
        return request.render(
            BLOCKED_TEMPLATE, {"order": order_sudo, "reason": "quote"}
        )

    @staticmethod
    def _b2b_log_acting(action, order_sudo):
        """Log the action in the sales rep's audit trail when a rep acts for
        the customer (``b2b.act.log``)."""
        acting = request.website._b2b_acting_partner()
        if acting:
            request.env["b2b.act.log"]._b2b_log(acting, action, order_sudo)


class B2BOrdersPortal(CustomerPortal):
    # --- H5: orders waiting for an approver ---

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "b2b_approval_count" in counters:
            partner = request.env.user.partner_id
            values["b2b_approval_count"] = (
                request.env["sale.order"].search_count(
                    self._prepare_b2b_approvals_domain(partner)
                )
                if self._b2b_is_approver(partner)
                and request.env["sale.order"].has_access("read")
                else 0
            )
        return values

    @staticmethod
    def _b2b_is_approver(partner):
        return partner.b2b_role == "approver" and partner._b2b_is_validated()

    def _prepare_b2b_approvals_domain(self, partner):
        return [
            ("partner_id", "child_of", [partner.commercial_partner_id.id]),
            ("b2b_approval_state", "=", "to_approve"),
        ]

    @http.route(
        ["/my/b2b/approvals", "/my/b2b/approvals/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_b2b_approvals(self, page=1, **kw):
        partner = request.env.user.partner_id
        if not self._b2b_is_approver(partner):
            return request.redirect("/my")
        SaleOrder = request.env["sale.order"]
        # No sudo: the portal rule on sale.order limits the search to the
        # company's documents.
        domain = self._prepare_b2b_approvals_domain(partner)
        pager = portal_pager(
            url="/my/b2b/approvals",
            total=SaleOrder.search_count(domain),
            page=page,
            step=self._items_per_page,
        )
        orders = SaleOrder.search(
            domain,
            order="date_order desc, id desc",
            limit=self._items_per_page,
            offset=pager["offset"],
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "b2b_approvals",
                "orders": orders,
                "pager": pager,
                "default_url": "/my/b2b/approvals",
                "approved_name": kw.get("approve"),
                "refused_name": kw.get("refuse"),
            }
        )
        return request.render("b2b_portal.portal_my_b2b_approvals", values)

    def _b2b_approval_order(self, order_id):
        """The order to decide on, checked without sudo; raises 404/403."""
        partner = request.env.user.partner_id
        if not self._b2b_is_approver(partner):
            raise AccessError(request.env._("Only approvers can approve orders."))
        order = request.env["sale.order"].search(
            [("id", "=", order_id)] + self._prepare_b2b_approvals_domain(partner),
            limit=1,
        )
        if not order:
            raise request.not_found()
        order.sudo()._b2b_check_approver(partner)
        return order.sudo(), partner

    @http.route(
        "/my/b2b/approvals/<int:order_id>/<string:decision>",
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def portal_b2b_approval_decide(self, order_id, decision, **kw):
        if decision not in ("approve", "refuse"):
            raise request.not_found()
        # --- H16C ---
        error = check_rate("approval_decide", APPROVAL_RATE_LIMIT)
        if error:
            return too_many_requests(error)
        # --- end H16C ---
        order_sudo, partner = self._b2b_approval_order(order_id)
        if decision == "approve":
            order_sudo._b2b_approve(partner)
        else:
            order_sudo._b2b_refuse(partner)
        return request.redirect(
            "/my/b2b/approvals?" + urlencode({decision: order_sudo.name})
        )

    # --- H5: reorder ---

    @http.route(
        "/my/orders/<int:order_id>/b2b_reorder",
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def portal_b2b_reorder(self, order_id, access_token=None, **kw):
        # --- H16C ---
        error = check_rate("reorder", REORDER_RATE_LIMIT)
        if error:
            return too_many_requests(error)
        # --- end H16C ---
        try:
            order_sudo = self._document_check_access(
                "sale.order", order_id, access_token=access_token
            )
        except (AccessError, MissingError):
            raise request.not_found() from None
        if not request.env.user._b2b_can_order():
            raise AccessError(request.env._("You cannot order on this website."))
        cart_sudo = request.website.sale_get_order(force_create=True)
        rows = order_sudo._b2b_reorder_into(cart_sudo)
        return request.render(
            "b2b_portal.b2b_reorder_result",
            {"order": order_sudo, "cart": cart_sudo, "rows": rows},
        )
