from odoo import api, fields, models
from odoo.exceptions import UserError


class SaleOrder(models.Model):
    _inherit = "sale.order"

    mp_binding_ids = fields.One2many(
        "mp.order.binding",
        "sale_order_id",
        string="Marketplace Orders",
        groups="mp_connector_base.group_mp_connector_base_user",
    )
    mp_backend_id = fields.Many2one(
        "mp.backend",
        string="Marketplace Account",
        compute="_compute_mp_binding",
        store=True,
        index="btree_not_null",
        groups="mp_connector_base.group_mp_connector_base_user",
    )
    mp_external_id = fields.Char(
        string="Marketplace Order",
        compute="_compute_mp_binding",
        store=True,
        index="btree_not_null",
    )
    mp_accept_state = fields.Selection(
        related="mp_binding_ids.accept_state",
        string="Marketplace Acceptance",
        groups="mp_connector_base.group_mp_connector_base_user",
    )
    mp_ship_state = fields.Selection(
        related="mp_binding_ids.ship_state",
        string="Marketplace Shipment",
        groups="mp_connector_base.group_mp_connector_base_user",
    )
    mp_commission_amount = fields.Monetary(
        string="Marketplace Commission",
        help="Commission the marketplace keeps on this order, tax included.",
    )
    mp_delivery_instructions = fields.Text(
        string="Delivery Instructions",
        help="What the buyer told the marketplace about the delivery: door "
        "code, floor, drop-off place, business address. Shown on the "
        "delivery and printed on the delivery slip.",
    )

    mp_message_ids = fields.One2many(
        "mp.customer.message",
        "sale_order_id",
        string="Buyer Messages",
        groups="mp_connector_base.group_mp_connector_base_user",
    )
    mp_message_count = fields.Integer(
        string="Buyer Messages Count",
        compute="_compute_mp_message_count",
        groups="mp_connector_base.group_mp_connector_base_user",
    )
    mp_message_to_reply_count = fields.Integer(
        string="Buyer Messages to Reply",
        compute="_compute_mp_message_count",
        groups="mp_connector_base.group_mp_connector_base_user",
    )

    @api.depends("mp_message_ids.state")
    def _compute_mp_message_count(self):
        for order in self:
            order.mp_message_count = len(order.mp_message_ids)
            order.mp_message_to_reply_count = len(
                order.mp_message_ids.filtered(lambda m: m.state == "to_reply")
            )

    @api.depends("mp_binding_ids.backend_id", "mp_binding_ids.external_id")
    def _compute_mp_binding(self):
        for order in self:
            binding = order.mp_binding_ids[:1]
            order.mp_backend_id = binding.backend_id
            order.mp_external_id = binding.external_id

    def _prepare_confirmation_values(self):
        values = super()._prepare_confirmation_values()
        if self.env.context.get("mp_keep_date_order"):
            # a marketplace order keeps the date the customer ordered
            values.pop("date_order", None)
        return values

    def action_mp_accept(self):
        return self._mp_binding()._action_send_decision(True)

    def action_mp_refuse(self):
        return self._mp_binding()._action_send_decision(False)

    def action_mp_open_binding(self):
        binding = self._mp_binding()
        return {
            "type": "ir.actions.act_window",
            "res_model": "mp.order.binding",
            "res_id": binding.id,
            "view_mode": "form",
        }

    def action_mp_open_messages(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "mp_connector_base.mp_customer_message_action"
        )
        action.update(
            domain=[("sale_order_id", "=", self.id)],
            context={"create": False},
            display_name=self.env._("Buyer messages of %s", self.name),
        )
        return action

    def _mp_binding(self):
        self.ensure_one()
        binding = self.mp_binding_ids[:1]
        if not binding:
            raise UserError(self.env._("%s is not a marketplace order.", self.name))
        return binding


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    mp_line_external_id = fields.Char(
        string="Marketplace Line", copy=False, index="btree_not_null"
    )
