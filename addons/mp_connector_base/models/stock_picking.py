from odoo import api, fields, models
from odoo.exceptions import UserError

from ..services.fulfilment import FULFILLED_CONTEXT
from ..services.notify import CLOSE, notification
from ..services.status_export import StatusExport
from ..services.stored_text import in_company_lang


class StockPicking(models.Model):
    _inherit = "stock.picking"

    mp_order_binding_id = fields.Many2one(
        "mp.order.binding",
        string="Marketplace Order",
        compute="_compute_mp_order_binding",
        groups="mp_connector_base.group_mp_connector_base_user",
    )
    mp_ship_state = fields.Selection(
        selection=lambda self: (
            self.env["mp.order.binding"]
            ._fields["ship_state"]
            ._description_selection(self.env)
        ),
        string="Marketplace Shipment",
        compute="_compute_mp_order_binding",
        groups="mp_connector_base.group_mp_connector_base_user",
    )
    mp_ship_error = fields.Text(
        string="Marketplace Shipment Error",
        compute="_compute_mp_order_binding",
        groups="mp_connector_base.group_mp_connector_base_user",
    )

    mp_delivery_instructions = fields.Text(
        related="sale_id.mp_delivery_instructions",
        string="Delivery Instructions",
    )
    mp_shipment_sent = fields.Boolean(
        string="Declared to the Marketplace",
        copy=False,
        readonly=True,
        help="This delivery was declared shipped to the marketplace (accounts "
        "that take one shipment per delivery).",
    )

    @api.depends("sale_id.mp_binding_ids.ship_state")
    def _compute_mp_order_binding(self):
        for picking in self:
            binding = picking.sale_id.mp_binding_ids[:1]
            picking.mp_order_binding_id = binding
            picking.mp_ship_state = binding.ship_state
            picking.mp_ship_error = binding.ship_error

    def _action_done(self):
        res = super()._action_done()
        self._mp_queue_shipments()
        return res

    def _send_confirmation_email(self):
        # deliveries the marketplace made from its own stock (FBA) are
        # recorded after it shipped and told the buyer
        if self.env.context.get(FULFILLED_CONTEXT):
            return None
        return super()._send_confirmation_email()

    def _mp_queue_shipments(self):
        """Declare the shipment once the order's last delivery is done, or
        each delivery for marketplaces that take partial shipments."""
        # whoever validates the delivery, the marketplace hears of it
        for picking in self.sudo().filtered(
            lambda p: p.state == "done" and p.picking_type_code == "outgoing"
        ):
            binding = picking.sale_id.mp_binding_ids[:1]
            if binding:
                # the job's description is stored: in the company's language
                binding = in_company_lang(binding, binding.company_id)
                StatusExport(binding).on_delivery_done(picking)

    def action_mp_retry_shipment(self):
        self.ensure_one()
        binding = self.mp_order_binding_id
        if not binding:
            raise UserError(self.env._("This delivery is not for a marketplace order."))
        binding.check_access("write")
        binding = in_company_lang(binding.sudo(), binding.company_id)
        StatusExport(binding).queue_shipment(self)
        return notification(
            self.env._(
                "The shipment of %s is being declared to the marketplace.",
                self.name,
            ),
            title=self.env._("Shipment sent again"),
            kind="success",
            next_action=CLOSE,
        )
