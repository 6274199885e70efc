from odoo import models


class MpOrderBinding(models.Model):
    _inherit = "mp.order.binding"

    def _prepare_sale_order(self, order, context, vals):
        prepared = super()._prepare_sale_order(order, context, vals)
        backend = self.backend_id
        if backend.backend_type == "amazon" and order.fulfilled_by_marketplace:
            # FBA: the goods leave Amazon's warehouse, not ours
            warehouse = backend._amazon_fba_warehouse()
            prepared.sale_vals["warehouse_id"] = warehouse.id
        return prepared

    def _finish_sale_order(self, item, sale_order):
        res = super()._finish_sale_order(item, sale_order)
        if (
            self.backend_id.backend_type == "amazon"
            and item.order.fulfilled_by_marketplace
        ):
            self._amazon_deliver_fba(sale_order)
        return res

    def _amazon_deliver_fba(self, sale_order):
        """Record an FBA order as delivered: Amazon shipped it from its own
        stock, there is nothing to ship nor to declare."""
        self.ship_state = "done"
        pickings = sale_order.picking_ids.filtered(
            lambda p: p.state not in ("done", "cancel")
        )
        if not pickings:
            return
        for move in pickings.move_ids.filtered(
            lambda m: m.state not in ("done", "cancel")
        ):
            move.quantity = move.product_uom_qty
            move.picked = True
        pickings.with_context(
            skip_backorder=True,
            cancel_backorder=True,
            mail_notrack=True,
            skip_sms=True,
            mp_fba_delivery=True,
        )._action_done()
        sale_order._message_log(
            body=self.env._(
                "Fulfilled by Amazon: delivered from %s.",
                sale_order.warehouse_id.name,
            )
        )
