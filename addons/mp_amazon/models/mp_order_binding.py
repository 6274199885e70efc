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
        self.backend_id._amazon_fulfilment().deliver(
            self,
            sale_order,
            self.env._(
                "Fulfilled by Amazon: delivered from %s.",
                sale_order.warehouse_id.name,
            ),
        )
