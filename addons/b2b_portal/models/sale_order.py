import math

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import float_round


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # --- H5: approval, credit limit, quote requests: fields ---
    b2b_approval_state = fields.Selection(
        [
            ("to_approve", "To Approve"),
            ("approved", "Approved"),
            ("refused", "Refused"),
        ],
        string="B2B Approval",
        copy=False,
        tracking=True,
        index=True,
        help="Set when a B2B buyer checks out a cart above their order limit: the "
        "order waits for an approver of the same company, who approves it (the "
        "order is confirmed) or refuses it (the quotation is cancelled).",
    )
    b2b_requested_by_id = fields.Many2one(
        "res.partner",
        string="Requested By",
        copy=False,
        help="The B2B buyer whose order waits for (or went through) an approval.",
    )
    b2b_approved_by_id = fields.Many2one(
        "res.partner",
        string="Approved By",
        copy=False,
        help="The approver who approved or refused the order.",
    )
    b2b_quote_requested = fields.Boolean(
        string="Quote Requested",
        copy=False,
        tracking=True,
        index=True,
        help="The customer asked for a quote from the website (from the cart, or "
        "because the order exceeded their credit limit): the sales team sets the "
        "prices and sends the quotation, which the customer accepts on the portal.",
    )
    # --- H16A: change and cancellation requests: fields ---
    b2b_order_request_ids = fields.One2many(
        "b2b.order.request",
        "order_id",
        string="Change Requests",
        copy=False,
        help="Changes and cancellations the customer asked for from the portal.",
    )
    b2b_order_request_count = fields.Integer(
        string="Change Requests Count",
        compute="_compute_b2b_order_request_count",
    )

    @api.depends("b2b_order_request_ids")
    def _compute_b2b_order_request_count(self):
        Request = self.env["b2b.order.request"]
        counts = {}
        if self.ids and Request.has_access("read"):
            counts = {
                order.id: count
                for order, count in Request._read_group(
                    [("order_id", "in", self.ids)], ["order_id"], ["__count"]
                )
            }
        for order in self:
            order.b2b_order_request_count = counts.get(order.id, 0)

    # --- end H16A ---

    @api.depends("partner_id", "company_id")
    def _compute_pricelist_id(self):
        """Keep the B2B company's pricelist on website carts.

        In a website request, property_product_pricelist ignores a pricelist that
        is not available on the website; a cart whose customer changes (sign-in
        after filling the cart) would then fall back to a generic pricelist.
        """
        res = super()._compute_pricelist_id()
        for order in self:
            if order.state != "draft" or not order.website_id or not order.partner_id:
                continue
            pricelist = order.website_id._b2b_get_partner_pricelist(order.partner_id)
            if pricelist:
                order.pricelist_id = pricelist
        return res

    def _verify_updated_quantity(self, order_line, product_id, new_qty, **kwargs):
        """Refuse a cart quantity below the minimum or not a multiple of the pack.

        The line keeps its previous quantity (no line is created for a new
        product) and the message of ``product.product._b2b_quantity_error`` is
        returned as the warning, and set on the cart so that ``/shop/cart``
        shows it after a plain form post.
        """
        self.ensure_one()
        # --- H16C: a B2B user who may not order (a viewer) fills no cart ---
        current = order_line.product_uom_qty if order_line else 0
        refused = self._b2b_cart_refused()
        if refused and new_qty > current:
            self.shop_warning = refused
            return current, refused
        # --- end H16C ---
        product = self.env["product.product"].browse(product_id).exists()
        # --- H16D: minimums and packs for B2B carts only; 0 removes the line ---
        error = (
            product
            and new_qty > 0
            and self._b2b_is_b2b_cart()
            and product._b2b_quantity_error(new_qty)
        )
        # --- end H16D ---
        if error:
            self.shop_warning = error
            return (order_line.product_uom_qty if order_line else 0), error
        return super()._verify_updated_quantity(
            order_line, product_id, new_qty, **kwargs
        )

    # --- H16C: users who may not order fill no cart ---
    def _b2b_cart_refused(self):
        """Why the current user may not add to a cart (translated), or None.

        Portal users of a B2B company who may not order (viewers, a company
        not validated) never fill a cart, whatever the route; public users,
        portal users outside B2B and internal users (a sales rep acting for a
        customer) are not concerned.
        """
        user = self.env.user
        if user._is_public() or user._is_internal() or user._b2b_can_order():
            return None
        if user.partner_id.commercial_partner_id.b2b_state == "none":
            return None
        return self.env._("Your role does not allow you to order.")

    # --- end H16C ---

    # --- H16D: the B2B rules apply to the carts of B2B accounts only ---

    def _b2b_is_b2b_cart(self):
        """True when the order is a B2B account's (its customer's company or
        the signed-in portal user's company has a B2B state).

        The ordering rules of the B2B shop (minimum quantities and packs, the
        credit limit turning the cart into a quote) apply to these carts, a
        sales rep's cart for a customer included. Other customers (consumers,
        the public user, staff buying for themselves) order as in stock
        website_sale.
        """
        self.ensure_one()
        user = self.env.user
        companies = self.partner_id.sudo().commercial_partner_id
        if not user._is_public() and not user._is_internal():
            companies |= user.partner_id.sudo().commercial_partner_id
        return any(company.b2b_state != "none" for company in companies)

    def _b2b_line_quantity_error(self, line):
        """Why the quantity of a cart line breaks its product's minimum or
        pack (translated), or None (also for the carts of other customers)."""
        self.ensure_one()
        if not line.product_id or line.combo_item_id or not self._b2b_is_b2b_cart():
            return None
        return line.product_id._b2b_quantity_error(line.product_uom_qty)

    def _b2b_cart_quantity_errors(self):
        """The messages of the cart lines breaking a minimum or a pack.

        A cart filled before signing in (as the public user) becomes the B2B
        account's cart on sign-in with its quantities: it cannot be checked
        out nor paid until they are fixed.
        """
        self.ensure_one()
        if self.state != "draft" or not self._b2b_is_b2b_cart():
            return []
        errors = (
            self._b2b_line_quantity_error(line) for line in self.website_order_line
        )
        return [error for error in errors if error]

    def _is_cart_ready(self):
        return super()._is_cart_ready() and not self._b2b_cart_quantity_errors()

    # --- end H16D ---

    # --- H5: approval above the buyer's limit, credit limit, quote requests ---

    def _b2b_needs_approval(self):
        """True when the cart exceeds the order limit of its B2B buyer.

        Only buyers with a limit (> 0) of a validated B2B company need an
        approval; approvers and internal orders never do. The untaxed total is
        compared in the currency of the limit (the company's).
        """
        self.ensure_one()
        partner = self.partner_id
        if (
            self.b2b_approval_state == "approved"
            or not partner
            or partner.b2b_role != "buyer"
            or partner.b2b_order_limit <= 0
            or not partner._b2b_is_validated()
        ):
            return False
        currency = partner.b2b_currency_id
        amount = self.currency_id._convert(
            self.amount_untaxed,
            currency,
            self.company_id,
            self.date_order or fields.Date.today(),
        )
        return currency.compare_amounts(amount, partner.b2b_order_limit) > 0

    def _b2b_credit_exceeded(self):
        """True when this order takes the customer above its credit limit.

        Uses the company setting ``account_use_credit_limit`` and the partner's
        credit limit, as the back office warning does (``partner_credit_warning``).
        """
        self.ensure_one()
        # --- H16D: a B2B rule: other customers pay online as in website_sale ---
        if not self._b2b_is_b2b_cart():
            return False
        # --- end H16D ---
        order = self.sudo()
        return bool(
            order.company_id.account_use_credit_limit and order.partner_credit_warning
        )

    def _b2b_checkout_block(self):
        """Why this cart cannot go to payment: 'approval', 'credit' or None."""
        self.ensure_one()
        if self.b2b_approval_state == "to_approve":
            return "approval"
        if self._b2b_needs_approval():
            return "approval"
        if self._b2b_credit_exceeded():
            return "credit"
        return None

    def _check_cart_is_ready_to_be_paid(self):
        # Blocks the payment transaction (and express checkout) of a cart that
        # needs an approval or exceeds the credit limit.
        # --- H16D: nor a B2B cart whose quantities break the minimums/packs ---
        errors = [
            error for order in self for error in order._b2b_cart_quantity_errors()
        ]
        if errors:
            raise ValidationError(" ".join(errors))
        # --- end H16D ---
        for order in self:
            if order.state in ("draft", "sent") and order._b2b_checkout_block():
                raise ValidationError(
                    self.env._(
                        "This order needs the approval of your company or a quote "
                        "from our sales team: it cannot be paid online."
                    )
                )
        return super()._check_cart_is_ready_to_be_paid()

    def _has_to_be_signed(self):
        return super()._has_to_be_signed() and self.b2b_approval_state != "to_approve"

    def _has_to_be_paid(self):
        return super()._has_to_be_paid() and self.b2b_approval_state != "to_approve"

    def action_confirm(self):
        waiting = self.filtered(lambda o: o.b2b_approval_state == "to_approve")
        if waiting and not self.env.user._is_internal():
            raise UserError(
                self.env._(
                    "This order waits for the approval of your company: it cannot be "
                    "confirmed yet."
                )
            )
        return super().action_confirm()

    def _b2b_approvers(self):
        """The approvers of the order's B2B company (contacts with a user)."""
        self.ensure_one()
        commercial = self.partner_id.commercial_partner_id
        return (
            self.env["res.partner"]
            .sudo()
            .search(
                [
                    ("id", "child_of", commercial.ids),
                    ("b2b_role", "=", "approver"),
                    ("user_ids.active", "=", True),
                ]
            )
        )

    def _b2b_approver_partner_ids(self):
        """Recipients of the approval request mail (used by the mail template)."""
        return ",".join(str(pid) for pid in self._b2b_approvers().ids)

    def _b2b_request_approval(self):
        """Turn the cart into a quotation waiting for an approver."""
        template = self.env.ref(
            "b2b_portal.mail_template_b2b_approval_request", raise_if_not_found=False
        )
        for order in self:
            order.write(
                {
                    "state": "sent",
                    "b2b_approval_state": "to_approve",
                    "b2b_requested_by_id": order.partner_id.id,
                    "b2b_approved_by_id": False,
                }
            )
            order.message_post(
                body=self.env._(
                    "Order above the order limit of %(buyer)s: waiting for the "
                    "approval of the company.",
                    buyer=order.partner_id.name,
                )
            )
            # The buyer follows the quotation: the portal rules let the buyer
            # and the company's approvers read it.
            order.message_subscribe(partner_ids=order.partner_id.ids)
            if template and order._b2b_approvers():
                template.send_mail(order.id)
        # Lines recompute amounts from the state: flush them with this
        # environment (the caller's may not read the lines of a cart).
        self.env.flush_all()

    def _b2b_check_approver(self, partner):
        """Raise unless partner is an approver of the order's B2B company."""
        self.ensure_one()
        if (
            partner.b2b_role != "approver"
            or not partner._b2b_is_validated()
            or partner.commercial_partner_id != self.partner_id.commercial_partner_id
        ):
            raise AccessError(
                self.env._("Only an approver of the company can approve this order.")
            )
        if self.b2b_approval_state != "to_approve":
            raise UserError(self.env._("This order does not wait for an approval."))

    def _b2b_notify_decision(self):
        template = self.env.ref(
            "b2b_portal.mail_template_b2b_approval_decision", raise_if_not_found=False
        )
        for order in self:
            if template and order.b2b_requested_by_id.email:
                template.send_mail(order.id)

    def _b2b_approve(self, partner):
        """Approve the order as partner (an approver): the order is confirmed."""
        for order in self:
            order._b2b_check_approver(partner)
            order.write(
                {"b2b_approval_state": "approved", "b2b_approved_by_id": partner.id}
            )
            order.message_post(
                body=self.env._("Order approved by %(name)s.", name=partner.name)
            )
            order.action_confirm()
        self._b2b_notify_decision()
        return True

    def _b2b_refuse(self, partner):
        """Refuse the order as partner (an approver): the quotation is cancelled."""
        for order in self:
            order._b2b_check_approver(partner)
            order.write(
                {"b2b_approval_state": "refused", "b2b_approved_by_id": partner.id}
            )
            order.message_post(
                body=self.env._("Order refused by %(name)s.", name=partner.name)
            )
            order._action_cancel()
        self._b2b_notify_decision()
        return True

    def _b2b_request_quote(self):
        """Turn the cart into a quotation for the sales team (sent state)."""
        for order in self:
            order.write({"state": "sent", "b2b_quote_requested": True})
            order.message_subscribe(partner_ids=order.partner_id.ids)
            order.message_post(
                body=self.env._("The customer requested a quote from the website.")
            )
        self.env.flush_all()

    # --- H5: reorder ---

    @api.model
    def _b2b_reorder_quantity(self, product, quantity):
        """The quantity to order again: raised to the minimum, then to a pack."""
        tmpl = product.product_tmpl_id
        rounding = product.uom_id.rounding or 0.01
        if tmpl.b2b_min_qty > 0 and quantity < tmpl.b2b_min_qty:
            quantity = tmpl.b2b_min_qty
        pack = tmpl.b2b_pack_qty
        if pack > 1 and product._b2b_quantity_error(quantity):
            quantity = math.ceil(float_round(quantity / pack, 6)) * pack
        return float_round(quantity, precision_rounding=rounding)

    def _b2b_reorder_into(self, cart):
        """Add the lines of this order still sold to cart, at today's prices.

        :param cart: the current website cart (sudo), a draft sale.order
        :returns: list of dicts, one per product line of this order: ``name``,
            ``product``, ``status`` (``added`` or ``unavailable``), ``old_qty`` /
            ``new_qty``, ``old_price`` / ``new_price`` (unit prices after
            discount, tax excluded, in the cart's currency), ``price_changed``,
            ``qty_changed``
        """
        self.ensure_one()
        rows = []
        for line in self.order_line:
            if line.display_type or line.is_downpayment or line._is_delivery():
                continue
            # The cart's environment (the customer's, sudo): the order may come
            # with the superuser's, for whom every product is allowed.
            product = line.product_id.with_env(cart.env)
            row = {
                "name": line.name_short,
                "product": product,
                "old_qty": line.product_uom_qty,
                "new_qty": 0.0,
                "old_price": line.currency_id._convert(
                    line.price_reduce_taxexcl,
                    cart.currency_id,
                    cart.company_id,
                    fields.Date.today(),
                ),
                "new_price": 0.0,
                "price_changed": False,
                "qty_changed": False,
                "status": "unavailable",
            }
            rows.append(row)
            if not product or not product._is_add_to_cart_allowed():
                continue
            quantity = self._b2b_reorder_quantity(
                product,
                line.product_uom._compute_quantity(
                    line.product_uom_qty, product.uom_id
                ),
            )
            values = cart._cart_update(product_id=product.id, add_qty=quantity)
            new_line = self.env["sale.order.line"].browse(values.get("line_id"))
            if not new_line.exists():
                continue
            row.update(
                status="added",
                new_qty=quantity,
                new_price=new_line.price_reduce_taxexcl,
                qty_changed=quantity != row["old_qty"],
                price_changed=bool(
                    cart.currency_id.compare_amounts(
                        new_line.price_reduce_taxexcl, row["old_price"]
                    )
                ),
            )
        return rows

    # --- H16B: payment terms, order on account ---

    def _compute_payment_term_id(self):
        """Website carts take the payment term of the customer's company.

        Odoo takes the term of the order's contact, a company-dependent value
        copied from its company only for the company it was written in; staff
        set it on the company (the commercial partner). When the company has
        none, website_sale's fallback (immediate payment) stays.
        """
        res = super()._compute_payment_term_id()
        for order in self:
            if order.website_id and order.state == "draft" and order.partner_id:
                term = order._b2b_customer_payment_term()
                if term:
                    order.payment_term_id = term
        return res

    def _b2b_customer_payment_term(self):
        """The payment term set on the customer's company (sudo), if any."""
        self.ensure_one()
        commercial = self.partner_id.sudo().commercial_partner_id
        return commercial.with_company(self.company_id).property_payment_term_id

    def _b2b_refresh_payment_term(self):
        """Put the customer's current payment term on draft website carts.

        The term is computed when the customer is set on the cart; staff may
        have changed the company's term since.
        """
        for order in self:
            if order.state != "draft" or not order.website_id:
                continue
            term = order._b2b_customer_payment_term()
            if term and order.payment_term_id != term:
                order.payment_term_id = term

    def _b2b_payment_term_is_deferred(self):
        """True when nothing of the order is due on the day it is invoiced.

        The order's total is split by Odoo's own computation
        (``account.payment.term._compute_terms``) for an invoice dated today:
        the term is deferred when every instalment carrying an amount falls
        due after today (30 days, end of month, 45 days...). No term,
        immediate payment, or a part due at once (30 % now and the rest in 30
        days) is not deferred.
        """
        self.ensure_one()
        term = self.sudo().payment_term_id
        if not term.line_ids:
            return False
        today = fields.Date.context_today(self)
        # Any amount gives the dates of a free cart.
        amount = self.amount_total or 100.0
        terms = term._compute_terms(
            date_ref=today,
            currency=self.currency_id,
            company=self.company_id,
            tax_amount=0.0,
            tax_amount_currency=0.0,
            sign=1,
            untaxed_amount=amount,
            untaxed_amount_currency=amount,
        )
        due = [
            line["date"]
            for line in terms["line_ids"]
            if not self.currency_id.is_zero(line["foreign_amount"])
        ]
        return bool(due) and min(due) > today

    def _b2b_on_account_error(self):
        """Why this cart may not be ordered on account; None when it may.

        :returns: a translated message (the website does not offer it, the
            customer is not a validated B2B account, or its payment terms are
            not deferred), or None
        """
        self.ensure_one()
        if not self.website_id.b2b_order_on_account:
            return self.env._("Ordering on account is not available on this website.")
        if not self.partner_id or not self.partner_id._b2b_is_validated():
            return self.env._("Only validated B2B customers can order on account.")
        if (
            self.payment_term_id != self._b2b_customer_payment_term()
            or not self._b2b_payment_term_is_deferred()
        ):
            return self.env._(
                "Your payment terms require payment with the order: please pay online."
            )
        return None

    def _b2b_confirm_on_account(self):
        """Confirm the cart without online payment, with its payment terms.

        Sends the confirmation mail as website_sale does once an order is
        paid (``_validate_order``).
        """
        self.ensure_one()
        self._validate_order()
        self.message_post(
            body=self.env._(
                "Ordered on account from the website (payment terms: %(term)s).",
                term=self.payment_term_id.name,
            )
        )
        return True

    # --- H16A: change and cancellation requests ---

    def action_view_b2b_order_requests(self):
        """The change and cancellation requests of this order."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "b2b_portal.b2b_order_request_action"
        )
        action["domain"] = [("order_id", "=", self.id)]
        action["context"] = {"default_order_id": self.id}
        requests = self.b2b_order_request_ids
        if len(requests) == 1:
            action["views"] = [(False, "form")]
            action["res_id"] = requests.id
        return action
