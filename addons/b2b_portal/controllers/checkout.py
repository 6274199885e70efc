"""Payment terms at checkout: "Order on account" for deferred terms.

A B2B customer whose payment terms are deferred (nothing due on the invoice
date, see ``sale.order._b2b_payment_term_is_deferred``) may confirm the cart
from ``/shop/payment`` without paying online (``/shop/b2b/order_on_account``);
the others pay online as in stock website_sale. The route only ever takes the
session's cart and applies the checks of the payment path first.
"""

from odoo.exceptions import ValidationError
from odoo.http import request, route

from .orders import B2BOrdersWebsiteSale
from .throttle import check_rate, too_many_requests

#: Order-on-account calls per minute and user (see throttle.py).
ON_ACCOUNT_RATE_LIMIT = 10

REFUSED_TEMPLATE = "b2b_portal.b2b_order_on_account_refused"


class B2BCheckoutWebsiteSale(B2BOrdersWebsiteSale):
    # --- H16B: payment terms on the payment page, order on account ---

    def _get_shop_payment_values(self, order, **kwargs):
        values = super()._get_shop_payment_values(order, **kwargs)
        term = request.env["account.payment.term"]
        on_account = False
        if order and order.partner_id._b2b_is_validated():
            order._b2b_refresh_payment_term()
            term = order.payment_term_id
            on_account = (
                request.env.user._b2b_can_order() and not order._b2b_on_account_error()
            )
        values.update(b2b_payment_term=term, b2b_on_account=on_account)
        return values

    @route(
        "/shop/b2b/order_on_account",
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
        sitemap=False,
    )
    def b2b_order_on_account(self, amount=None, **post):
        """Confirm the session's cart on account (no online payment).

        :param amount: the total shown on the payment page; a cart changed
            since (another tab) goes back to the payment page
        """
        error = check_rate("order_on_account", ON_ACCOUNT_RATE_LIMIT)
        if error:
            return too_many_requests(error)
        if not request.env.user._b2b_can_order():
            return self._b2b_on_account_refused(
                request.env._("Your account may not place orders.")
            )
        # Only the session's cart, never an order given by the client.
        order_sudo = request.website.sale_get_order()
        if redirection := self._check_cart_and_addresses(order_sudo):
            return redirection
        if redirection := self._check_shipping_method(order_sudo):
            return redirection
        if self._get_shop_payment_errors(order_sudo):
            return request.redirect("/shop/payment")
        order_sudo._b2b_refresh_payment_term()
        refusal = order_sudo._b2b_on_account_error()
        if refusal:
            return self._b2b_on_account_refused(refusal)
        if amount is not None and not self._b2b_same_amount(order_sudo, amount):
            return request.redirect("/shop/payment")
        reason = order_sudo._b2b_checkout_block()
        if reason:
            return self._b2b_block_checkout(order_sudo, reason)
        try:
            order_sudo._check_cart_is_ready_to_be_paid()
        except ValidationError as exc:
            order_sudo.shop_warning = str(exc)
            return request.redirect("/shop/cart")
        order_sudo._b2b_confirm_on_account()
        # Called on its class: another controller of the addon may define a
        # method of the same name on the combined controller.
        B2BOrdersWebsiteSale._b2b_log_acting("confirm", order_sudo)
        request.session["sale_last_order_id"] = order_sudo.id
        request.website.sale_reset()
        return request.redirect("/shop/confirmation")

    @staticmethod
    def _b2b_same_amount(order_sudo, amount):
        try:
            amount = float(amount)
        except (TypeError, ValueError):
            return False
        return not order_sudo.currency_id.compare_amounts(
            amount, order_sudo.amount_total
        )

    @staticmethod
    def _b2b_on_account_refused(message):
        return request.render(REFUSED_TEMPLATE, {"message": message}, status=403)
