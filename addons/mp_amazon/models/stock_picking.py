from odoo import models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _send_confirmation_email(self):
        # FBA deliveries are recorded after Amazon shipped and told the buyer
        if self.env.context.get("mp_fba_delivery"):
            return None
        return super()._send_confirmation_email()
