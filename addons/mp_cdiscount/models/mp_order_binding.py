from odoo import models


class MpOrderBinding(models.Model):
    _inherit = "mp.order.binding"

    def _cdiscount_fulfilled(self, order):
        """Whether ``order`` (canonical) leaves Cdiscount's own warehouse."""
        return (
            self.backend_id.backend_type == "cdiscount"
            and order.fulfilled_by_marketplace
        )

    def _prepare_sale_order(self, order, context, vals):
        prepared = super()._prepare_sale_order(order, context, vals)
        if self._cdiscount_fulfilled(order):
            # Fulfilment by Cdiscount: the goods leave Cdiscount's stock
            warehouse = self.backend_id._cdiscount_fulfilment_warehouse()
            prepared.sale_vals["warehouse_id"] = warehouse.id
        return prepared

    def _finish_sale_order(self, item, sale_order):
        res = super()._finish_sale_order(item, sale_order)
        if self._cdiscount_fulfilled(item.order):
            self.backend_id._cdiscount_fulfilment().deliver(
                self,
                sale_order,
                self.env._(
                    "Fulfilled by Cdiscount: delivered from %s.",
                    sale_order.warehouse_id.name,
                ),
            )
        return res
