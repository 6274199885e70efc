from odoo import models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _send_confirmation_email(self):
        """Also tell B2B customers that their order has shipped, with the
        carrier and the tracking number, whatever the company's delivery
        e-mail setting (which, when on, already sends its own mail)."""
        result = super()._send_confirmation_email()
        template = self.env.ref(
            "b2b_portal.mail_template_b2b_shipment", raise_if_not_found=False
        )
        if not template:
            return result
        subtype_id = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_comment")
        for picking in self:
            if (
                picking.picking_type_id.code != "outgoing"
                or picking.state != "done"
                or picking.company_id.stock_move_email_validation
                or not picking.sale_id
                or picking.sale_id.partner_id.commercial_partner_id.b2b_state
                != "validated"
            ):
                continue
            picking.with_context(force_send=True).message_post_with_source(
                template,
                email_layout_xmlid="mail.mail_notification_light",
                subtype_id=subtype_id,
            )
        return result
