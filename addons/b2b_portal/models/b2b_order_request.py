import math

import psycopg2
from markupsafe import Markup

from odoo import SUPERUSER_ID, Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, float_compare, float_is_zero, plaintext2html

from .product_product import _format_number

REQUEST_TYPES = [
    ("modify", "Modification"),
    ("cancel", "Cancellation"),
]
REQUEST_STATES = [
    ("new", "To Process"),
    ("done", "Done"),
    ("refused", "Refused"),
    ("withdrawn", "Withdrawn"),
]
#: Longest message kept from the customer area.
MAX_MESSAGE_LENGTH = 4000


class B2bOrderRequest(models.Model):
    """A B2B customer's request to change or cancel a confirmed order.

    Customers (buyers and approvers, or the sales rep managing their account)
    send it from the order page of the customer area while nothing of the
    order has shipped; the sales team applies it (new quantities, or the
    cancellation of the order and its deliveries), handles it by hand or
    refuses it, and the customer is told on the order's chatter.
    """

    _name = "b2b.order.request"
    _description = "B2B Order Change Request"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"

    name = fields.Char(
        string="Reference",
        required=True,
        readonly=True,
        copy=False,
        default="/",
        index="trigram",
    )
    order_id = fields.Many2one(
        "sale.order",
        required=True,
        ondelete="cascade",
        index=True,
        tracking=True,
        domain=[("state", "=", "sale")],
        help="The confirmed order to change or cancel.",
    )
    request_type = fields.Selection(
        REQUEST_TYPES,
        string="Type",
        required=True,
        default="modify",
        tracking=True,
        help="Modification: new quantities on the order's lines (0 removes a line) "
        "or a message. Cancellation: the whole order and its deliveries.",
    )
    line_ids = fields.One2many(
        "b2b.order.request.line",
        "request_id",
        string="Quantities",
        copy=True,
        help="The order lines whose quantity the customer asks to change.",
    )
    message = fields.Text(help="What the customer asks, in their words.")
    partner_id = fields.Many2one(
        "res.partner",
        string="Requested By",
        compute="_compute_partner_id",
        store=True,
        readonly=False,
        precompute=True,
        index=True,
        help="The customer contact who asked (the order's customer when a sales "
        "rep asked for them).",
    )
    commercial_partner_id = fields.Many2one(
        related="order_id.partner_id.commercial_partner_id",
        string="Customer",
        store=True,
        index=True,
    )
    company_id = fields.Many2one(related="order_id.company_id", store=True, index=True)
    acting_partner_id = fields.Many2one(
        "res.partner",
        string="Sent by Sales Rep",
        readonly=True,
        copy=False,
        help="The sales rep who sent the request for the customer, if any.",
    )
    state = fields.Selection(
        REQUEST_STATES,
        string="Status",
        default="new",
        required=True,
        tracking=True,
        copy=False,
        index=True,
    )
    refuse_reason = fields.Text(
        string="Reason of the Refusal",
        tracking=True,
        copy=False,
        help="Why the request is refused: sent to the customer.",
    )
    user_id = fields.Many2one(related="order_id.user_id", store=True, index=True)
    order_state = fields.Selection(related="order_id.state", string="Order Status")
    date_done = fields.Datetime(
        string="Processed On",
        readonly=True,
        copy=False,
        help="When the request was applied, handled, refused or withdrawn.",
    )

    def init(self):
        # At most one request to process per order, even under concurrent posts.
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS b2b_order_request_one_open "
                "ON b2b_order_request (order_id) WHERE state = 'new'"
            )
        )

    @api.depends("order_id")
    def _compute_partner_id(self):
        for request in self:
            if not request.partner_id:
                request.partner_id = request.order_id.partner_id

    @api.constrains("state", "order_id")
    def _check_one_open_request(self):
        for request in self.filtered(lambda r: r.state == "new"):
            self._check_no_open_request(request.order_id.ids, exclude=request)

    @api.model
    def _check_no_open_request(self, order_ids, exclude=None):
        """Raise ValidationError if one of the orders has a request to process
        (or is given twice)."""
        if not order_ids:
            return
        domain = [("order_id", "in", order_ids), ("state", "=", "new")]
        if exclude:
            domain.append(("id", "not in", exclude.ids))
        duplicate = self.sudo().search(domain, limit=1).order_id
        if not duplicate and len(set(order_ids)) != len(order_ids):
            duplicate = self.env["sale.order"].browse(order_ids[0])
        if duplicate:
            raise ValidationError(
                self.env._(
                    "The order %(order)s already has a request to process.",
                    order=duplicate.sudo().name,
                )
            )

    @api.constrains("request_type", "message", "line_ids")
    def _check_modify_content(self):
        for request in self:
            if (
                request.request_type == "modify"
                and not (request.message or "").strip()
                and not request.line_ids._b2b_changed()
            ):
                raise ValidationError(
                    self.env._(
                        "Tell what to change: new quantities or a message "
                        "(request %(name)s).",
                        name=request.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        # Before the insert, which the unique index would refuse less clearly.
        self._check_no_open_request(
            [
                vals["order_id"]
                for vals in vals_list
                if vals.get("order_id") and vals.get("state", "new") == "new"
            ]
        )
        sequence = self.env["ir.sequence"].sudo()
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = sequence.next_by_code("b2b.order.request") or "/"
        return super().create(vals_list)

    # ------------------------------------------------------------ staff actions
    def action_b2b_cancel_order(self):
        """Cancel the order of a cancellation request, with its deliveries."""
        for request in self:
            request._b2b_check_processable("cancel")
            order = request.order_id
            # Without the context, a confirmed order returns the
            # sale.order.cancel wizard (a mail to compose) instead of
            # cancelling; the customer gets this request's answer instead.
            result = order.with_context(disable_cancel_warning=True).action_cancel()
            if isinstance(result, dict) or order.state != "cancel":
                raise UserError(
                    self.env._(
                        "The order %(order)s could not be cancelled: cancel it from "
                        "the order, then mark the request %(name)s as done.",
                        order=order.name,
                        name=request.name,
                    )
                )
            request._b2b_close("done")
        return True

    def action_b2b_apply(self):
        """Write the requested quantities on the order lines.

        sale_stock then updates the delivery (a lower quantity lowers its move,
        0 cancels it).
        """
        for request in self:
            request._b2b_check_processable("modify")
            order = request.order_id
            if order.locked:
                raise UserError(
                    self.env._(
                        "The order %(order)s is locked: unlock it to apply the "
                        "changes of %(name)s.",
                        order=order.name,
                        name=request.name,
                    )
                )
            changed = request.line_ids._b2b_changed(current=True)
            if not changed:
                raise UserError(
                    self.env._(
                        "The request %(name)s has no quantity to change: handle it, "
                        "then mark it as done.",
                        name=request.name,
                    )
                )
            for line in changed:
                line.sale_line_id.product_uom_qty = line.new_quantity
            request._b2b_close("done", applied=True)
        return True

    def action_b2b_mark_done(self):
        """The request was handled by hand (e.g. from its message)."""
        for request in self:
            request._b2b_check_processable(check_order=False)
            request._b2b_close("done")
        return True

    def action_b2b_refuse(self):
        """Refuse the request; its reason is sent to the customer."""
        for request in self:
            request._b2b_check_processable(check_order=False)
            if not (request.refuse_reason or "").strip():
                raise UserError(
                    self.env._(
                        "Write the reason of the refusal of %(name)s (it is sent to "
                        "the customer) before refusing it.",
                        name=request.name,
                    )
                )
            request._b2b_close("refused")
        return True

    # ------------------------------------------------------ business methods
    @api.model
    def _b2b_order_lines(self, order):
        """The lines of order whose quantity a request may change."""
        return order.order_line.filtered(
            lambda line: (
                line.product_id
                and not line.display_type
                and not line.is_downpayment
                and not line._is_delivery()
                and not line.combo_item_id
                and line.product_uom_qty > 0
            )
        )

    @api.model
    def _b2b_order_block(self, order):
        """Why order (whoever asks) cannot be changed any more, or None."""
        order = order.sudo()
        if order.state != "sale":
            return self.env._("Only confirmed orders can be changed or cancelled.")
        if any(picking.state == "done" for picking in order.picking_ids) or any(
            line.qty_delivered > 0 for line in order.order_line
        ):
            return self.env._(
                "The order has shipped (at least in part): contact us to return "
                "products."
            )
        return None

    @api.model
    def _b2b_refusal_reason(self, order, user=None):
        """Why user may not send a change or cancellation request for order.

        Used by the order page of the customer area (to show the form or not)
        and by the route, and again on creation.

        :param order: a sale.order
        :param user: a res.users; defaults to the current user
        :returns: a translated reason, or None when the request is allowed
        """
        user = user or self.env.user
        order = order.sudo()
        if user._is_public() or not user._b2b_can_order():
            return self.env._(
                "Your account cannot change orders: ask a buyer or an approver of "
                "your company."
            )
        commercial = order.partner_id.commercial_partner_id
        if user._is_internal():
            if not user._b2b_can_act_for(commercial):
                return self.env._(
                    "Only the sales rep of this account can send a request for the "
                    "customer; change the order from the back office."
                )
        elif user.partner_id.commercial_partner_id != commercial:
            return self.env._("This order belongs to another company.")
        reason = self._b2b_order_block(order)
        if reason:
            return reason
        if order.b2b_order_request_ids.filtered(lambda r: r.state == "new"):
            return self.env._(
                "A request on this order waits for our answer: withdraw it to send "
                "another one."
            )
        return None

    @api.model
    def _b2b_portal_create(
        self, order, request_type, quantities=None, message=None, user=None
    ):
        """Create (sudo) the request of user, after checking it again.

        :param order: the sale.order (access already checked by the caller)
        :param request_type: ``modify`` or ``cancel``
        :param quantities: dict sale.order.line id -> new quantity (float), for
            a modification; lines left out keep their quantity
        :param message: the customer's message, or None
        :param user: the res.users asking; defaults to the current user
        :returns: the new request (sudo)
        :raises UserError: with a translated reason when it is not allowed or
            the values are not valid
        """
        user = user or self.env.user
        order = order.sudo()
        reason = self._b2b_refusal_reason(order, user)
        if reason:
            raise UserError(reason)
        if request_type not in dict(REQUEST_TYPES):
            raise UserError(self.env._("Choose a modification or a cancellation."))
        message = (message or "").strip()[:MAX_MESSAGE_LENGTH]
        line_commands = []
        if request_type == "modify":
            line_commands = self._b2b_prepare_line_commands(order, quantities or {})
            if not line_commands and not message:
                raise UserError(
                    self.env._("Tell us what to change: new quantities or a message.")
                )
        internal = user._is_internal()
        values = {
            "order_id": order.id,
            "request_type": request_type,
            "message": message or False,
            "partner_id": (order.partner_id if internal else user.partner_id).id,
            "acting_partner_id": user.partner_id.id if internal else False,
            "line_ids": line_commands,
        }
        try:
            with self.env.cr.savepoint():
                request = self.sudo().create(values)
                request.flush_recordset()
        except psycopg2.errors.UniqueViolation:
            # A concurrent post created the request first.
            raise UserError(
                self.env._(
                    "A request on this order waits for our answer: withdraw it to "
                    "send another one."
                )
            ) from None
        request._b2b_announce()
        return request

    @api.model
    def _b2b_prepare_line_commands(self, order, quantities):
        """Line commands for the changed quantities; raise UserError if invalid.

        A quantity may be lowered (0 removes the line), never raised: more of a
        product is a new order, at today's price and stock (reorder or quick
        order). A lowered quantity must respect the product's minimum and
        packs, as the cart does.
        """
        lines = self._b2b_order_lines(order)
        commands = []
        remaining = 0
        for line in lines:
            if line.id not in quantities:
                remaining += 1
                continue
            quantity = quantities[line.id]
            rounding = line.product_uom.rounding
            if (
                not isinstance(quantity, int | float)
                or not math.isfinite(quantity)
                or float_compare(quantity, 0.0, precision_rounding=rounding) < 0
            ):
                raise UserError(
                    self.env._(
                        "%(product)s: the quantity must be a number, 0 or more.",
                        product=line.name_short,
                    )
                )
            compare = float_compare(
                quantity, line.product_uom_qty, precision_rounding=rounding
            )
            if compare > 0:
                raise UserError(
                    self.env._(
                        "%(product)s: a quantity can only be lowered (ordered: "
                        "%(ordered)s). To get more, place a new order.",
                        product=line.name_short,
                        ordered=_format_number(line.product_uom_qty),
                    )
                )
            if not float_is_zero(quantity, precision_rounding=rounding):
                remaining += 1
            if compare == 0:
                continue
            if not float_is_zero(quantity, precision_rounding=rounding):
                error = line.product_id._b2b_quantity_error(
                    line.product_uom._compute_quantity(quantity, line.product_id.uom_id)
                )
                if error:
                    raise UserError(error)
            commands.append(
                Command.create(
                    {
                        "sale_line_id": line.id,
                        "ordered_qty": line.product_uom_qty,
                        "new_quantity": quantity,
                    }
                )
            )
        if commands and not remaining:
            raise UserError(
                self.env._(
                    "Every quantity is at 0: ask for the cancellation of the order "
                    "instead."
                )
            )
        return commands

    def _b2b_responsible(self):
        """Who processes the request: the salesperson, else the sales team
        leader, else the administrator (the first active internal user who
        may read it)."""
        self.ensure_one()
        order = self.order_id
        admin = self.env.ref("base.user_admin", raise_if_not_found=False)
        for user in (order.user_id, order.team_id.user_id, admin):
            if (
                user
                and user.active
                and user._is_internal()
                and self.with_user(user).has_access("read")
            ):
                return user
        return admin or self.env["res.users"].browse(SUPERUSER_ID)

    def _b2b_lines_html(self, env=None):
        """The requested quantities as an HTML list (empty Markup if none)."""
        self.ensure_one()
        env = env or self.env
        if not self.line_ids:
            return Markup()
        items = Markup().join(
            Markup("<li>%s</li>")
            % env._(
                "%(product)s: %(ordered)s → %(new)s %(uom)s",
                product=line.sale_line_id.name_short,
                ordered=_format_number(line.ordered_qty),
                new=_format_number(line.new_quantity),
                uom=line.product_uom_id.name,
            )
            for line in self.line_ids
        )
        return Markup("<ul>%s</ul>") % items

    def _b2b_announce(self):
        """Post the new request on the order's chatter; a To-Do for the staff."""
        for request in self.sudo():
            order = request.order_id
            requester = request.partner_id.name
            if request.acting_partner_id:
                requester = self.env._(
                    "%(rep)s for %(customer)s",
                    rep=request.acting_partner_id.name,
                    customer=request.commercial_partner_id.name,
                )
            if request.request_type == "cancel":
                headline = self.env._(
                    "Cancellation requested by %(who)s (%(name)s).",
                    who=requester,
                    name=request.name,
                )
            else:
                headline = self.env._(
                    "Change requested by %(who)s (%(name)s).",
                    who=requester,
                    name=request.name,
                )
            body = Markup("<p>%s</p>") % headline + request._b2b_lines_html()
            if request.message:
                body += plaintext2html(request.message)
            order.message_post(
                body=body,
                author_id=(request.acting_partner_id or request.partner_id).id,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
            responsible = request._b2b_responsible()
            staff = request.with_context(lang=responsible.lang)
            request.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=responsible.id,
                summary=staff.env._(
                    "%(type)s request on %(order)s",
                    type=dict(
                        staff._fields["request_type"]._description_selection(staff.env)
                    )[request.request_type],
                    order=order.name,
                ),
                note=body,
            )

    def _b2b_check_processable(self, request_type=None, check_order=True):
        """Raise UserError unless the request can be processed now."""
        self.ensure_one()
        if self.state != "new":
            raise UserError(
                self.env._("The request %(name)s is already processed.", name=self.name)
            )
        if request_type and self.request_type != request_type:
            raise UserError(
                self.env._("The request %(name)s is not of this type.", name=self.name)
            )
        reason = check_order and self._b2b_order_block(self.order_id)
        if reason:
            raise UserError(
                self.env._(
                    "The request %(name)s cannot be applied: %(reason)s Handle it by "
                    "hand and mark it as done, or refuse it.",
                    name=self.name,
                    reason=reason,
                )
            )

    def _b2b_close(self, state, applied=False):
        """Set the final state, close the To-Do and tell the customer."""
        self.ensure_one()
        self.write({"state": state, "date_done": fields.Datetime.now()})
        if state == "withdrawn":
            self.sudo().activity_unlink(["mail.mail_activity_data_todo"])
            return
        self.sudo().activity_feedback(["mail.mail_activity_data_todo"])
        self._b2b_notify_customer(applied=applied)

    def _b2b_notify_customer(self, applied=False):
        """Post the decision on the order's chatter, mailed to the customer."""
        for request in self:
            order = request.order_id.sudo()
            recipients = request.partner_id | order.partner_id
            lang = request.partner_id.lang or order.partner_id.lang
            env = request.with_context(lang=lang).env
            values = {"name": request.name, "order": order.name}
            if request.state == "refused":
                body = Markup("<p>%s</p>") % env._(
                    "Your request %(name)s on the order %(order)s is refused.",
                    **values,
                ) + plaintext2html(request.refuse_reason)
            elif request.request_type == "cancel" and order.state == "cancel":
                body = Markup("<p>%s</p>") % env._(
                    "Your request %(name)s is accepted: the order %(order)s is "
                    "cancelled.",
                    **values,
                )
            elif applied:
                body = Markup("<p>%s</p>") % env._(
                    "Your request %(name)s is applied to the order %(order)s:",
                    **values,
                ) + request._b2b_lines_html(env)
            else:
                body = Markup("<p>%s</p>") % env._(
                    "Your request %(name)s on the order %(order)s has been handled.",
                    **values,
                )
            order.message_post(
                body=body,
                author_id=self.env.user.partner_id.id,
                partner_ids=recipients.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )

    def _b2b_withdraw(self, user=None):
        """Withdraw the request (the customer changed their mind)."""
        user = user or self.env.user
        for request in self.sudo():
            if request.state != "new":
                raise UserError(
                    self.env._(
                        "The request %(name)s is already processed.",
                        name=request.name,
                    )
                )
            request._b2b_close("withdrawn")
            request.order_id.message_post(
                body=self.env._(
                    "Request %(name)s withdrawn by %(who)s.",
                    name=request.name,
                    who=user.partner_id.name,
                ),
                author_id=user.partner_id.id,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        return True


class B2bOrderRequestLine(models.Model):
    _name = "b2b.order.request.line"
    _description = "B2B Order Change Request Line"
    _order = "request_id, id"

    request_id = fields.Many2one(
        "b2b.order.request",
        required=True,
        ondelete="cascade",
        index=True,
    )
    sale_line_id = fields.Many2one(
        "sale.order.line",
        string="Order Line",
        required=True,
        ondelete="cascade",
        index=True,
    )
    product_id = fields.Many2one(related="sale_line_id.product_id")
    product_uom_id = fields.Many2one(related="sale_line_id.product_uom", string="Unit")
    ordered_qty = fields.Float(
        string="Ordered Quantity",
        digits="Product Unit of Measure",
        compute="_compute_ordered_qty",
        store=True,
        readonly=False,
        precompute=True,
        help="The quantity of the order line when the request was sent.",
    )
    new_quantity = fields.Float(
        digits="Product Unit of Measure",
        required=True,
        help="The quantity asked for; 0 removes the line.",
    )

    _sql_constraints = [
        (
            "new_quantity_positive",
            "CHECK(new_quantity >= 0)",
            "The new quantity cannot be negative.",
        ),
    ]

    @api.depends("sale_line_id")
    def _compute_ordered_qty(self):
        # A snapshot: it does not follow later changes of the order line.
        for line in self:
            if not line.ordered_qty:
                line.ordered_qty = line.sale_line_id.product_uom_qty

    @api.constrains("sale_line_id", "request_id")
    def _check_sale_line_id(self):
        for line in self:
            if line.sale_line_id.order_id != line.request_id.order_id:
                raise ValidationError(
                    self.env._(
                        "The line %(line)s is not a line of the order %(order)s.",
                        line=line.sale_line_id.display_name,
                        order=line.request_id.order_id.name,
                    )
                )

    def _b2b_changed(self, current=False):
        """The lines whose new quantity differs from the ordered one.

        :param current: compare with the order line's quantity of today rather
            than with the one when the request was sent
        """
        return self.filtered(
            lambda line: float_compare(
                line.new_quantity,
                line.sale_line_id.product_uom_qty if current else line.ordered_qty,
                precision_rounding=line.product_uom_id.rounding or 0.01,
            )
        )
