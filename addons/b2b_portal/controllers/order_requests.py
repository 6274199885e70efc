from werkzeug.exceptions import Forbidden

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

from .throttle import check_rate, too_many_requests

#: Requests (sent or withdrawn) per user and per hour: a buyer never gets
#: there, a script does.
REQUEST_RATE_LIMIT = 10
REQUEST_RATE_PERIOD = 3600.0
#: Session key of the error shown once on the order page after a refused post.
ERROR_SESSION_KEY = "b2b_order_request_error"
ANCHOR = "b2b_order_requests"


def _parse_quantity(value):
    """A float from a posted quantity ("2", "2.5", "2,5"), else None."""
    if not isinstance(value, str):
        return None
    try:
        return float(value.strip().replace(",", "."))
    except ValueError:
        return None


class B2bOrderRequestPortal(CustomerPortal):
    """Change and cancellation requests on confirmed orders not yet shipped."""

    def _get_page_view_values(
        self, document, access_token, values, session_history, no_breadcrumbs, **kwargs
    ):
        values = super()._get_page_view_values(
            document, access_token, values, session_history, no_breadcrumbs, **kwargs
        )
        if document._name == "sale.order" and not request.env.user._is_public():
            values.update(self._b2b_order_request_values(document))
        return values

    def _b2b_order_request_values(self, order_sudo):
        """What the order page shows: the requests and, when allowed, the form."""
        Request = request.env["b2b.order.request"]
        refusal = Request._b2b_refusal_reason(order_sudo)
        return {
            "b2b_order_requests": order_sudo.b2b_order_request_ids,
            "b2b_request_allowed": not refusal,
            # Why not, for a user who could otherwise ask (shipped, waiting).
            "b2b_request_refusal": refusal
            if order_sudo.state == "sale" and self._b2b_order_request_owner(order_sudo)
            else None,
            "b2b_request_lines": Request._b2b_order_lines(order_sudo)
            if not refusal
            else order_sudo.order_line.browse(),
            "b2b_request_can_withdraw": self._b2b_order_request_owner(order_sudo)
            and request.env.user._b2b_can_order(),
            "b2b_request_error": request.session.pop(ERROR_SESSION_KEY, None),
        }

    @staticmethod
    def _b2b_order_request_owner(order_sudo):
        """True when the order is the current user's company's (or the rep's
        account)."""
        user = request.env.user
        commercial = order_sudo.partner_id.commercial_partner_id
        if user._is_internal():
            return user._b2b_can_act_for(commercial)
        return user.partner_id.commercial_partner_id == commercial

    def _b2b_order_request_check(self, order_id, access_token=None):
        """The order (sudo) after the access checks: 404 if not the user's,
        403 if the user cannot order, 429 above the rate limit (returned)."""
        try:
            order_sudo = self._document_check_access(
                "sale.order", order_id, access_token=access_token
            )
        except (AccessError, MissingError):
            raise request.not_found() from None
        if not self._b2b_order_request_owner(order_sudo):
            raise request.not_found()
        if not request.env.user._b2b_can_order():
            raise Forbidden()
        return order_sudo

    def _b2b_order_request_redirect(self, order_sudo, message=None, error=None):
        if error:
            request.session[ERROR_SESSION_KEY] = error
        # Without the access token: the user reads the order by the record
        # rules (a token would log "Quotation viewed by customer").
        query = f"?message={message}" if message else ""
        return request.redirect(f"{order_sudo.access_url}{query}#{ANCHOR}")

    @staticmethod
    def _b2b_order_request_log(order_sudo, details):
        """A sales rep's request goes to their audit trail (b2b.act.log)."""
        user = request.env.user
        if user._is_internal():
            request.env["b2b.act.log"]._b2b_log(
                order_sudo.partner_id, "request", order_sudo, details
            )

    @http.route(
        "/my/orders/<int:order_id>/b2b_request",
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
        sitemap=False,
    )
    def portal_b2b_order_request(self, order_id, access_token=None, **post):
        """Send a change or cancellation request (form of the order page)."""
        order_sudo = self._b2b_order_request_check(order_id, access_token)
        error = check_rate(
            "b2b_order_request", REQUEST_RATE_LIMIT, period=REQUEST_RATE_PERIOD
        )
        if error:
            return too_many_requests(error)
        request_type = post.get("request_type")
        quantities = {}
        if request_type == "modify":
            for line in request.env["b2b.order.request"]._b2b_order_lines(order_sudo):
                raw = post.get(f"qty_{line.id}")
                if raw is None or not str(raw).strip():
                    continue
                quantity = _parse_quantity(raw)
                if quantity is None:
                    return self._b2b_order_request_redirect(
                        order_sudo,
                        error=request.env._(
                            "%(product)s: the quantity must be a number, 0 or more.",
                            product=line.name_short,
                        ),
                    )
                quantities[line.id] = quantity
        try:
            order_request = request.env["b2b.order.request"]._b2b_portal_create(
                order_sudo,
                request_type,
                quantities=quantities,
                message=post.get("message"),
            )
        except UserError as exc:
            return self._b2b_order_request_redirect(order_sudo, error=exc.args[0])
        self._b2b_order_request_log(order_sudo, order_request.name)
        return self._b2b_order_request_redirect(order_sudo, message="b2b_request_sent")

    @http.route(
        "/my/orders/<int:order_id>/b2b_request/<int:request_id>/withdraw",
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
        sitemap=False,
    )
    def portal_b2b_order_request_withdraw(
        self, order_id, request_id, access_token=None, **post
    ):
        """Withdraw a request that waits for an answer."""
        order_sudo = self._b2b_order_request_check(order_id, access_token)
        order_request = order_sudo.b2b_order_request_ids.filtered(
            lambda r: r.id == request_id
        )
        if not order_request:
            raise request.not_found()
        error = check_rate(
            "b2b_order_request", REQUEST_RATE_LIMIT, period=REQUEST_RATE_PERIOD
        )
        if error:
            return too_many_requests(error)
        try:
            order_request._b2b_withdraw()
        except UserError as exc:
            return self._b2b_order_request_redirect(order_sudo, error=exc.args[0])
        self._b2b_order_request_log(
            order_sudo,
            request.env._("%(name)s withdrawn", name=order_request.name),
        )
        return self._b2b_order_request_redirect(
            order_sudo, message="b2b_request_withdrawn"
        )
