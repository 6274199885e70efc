from odoo import models


class ResUsers(models.Model):
    _inherit = "res.users"

    def _b2b_can_order(self):
        """True when the user may place orders on the B2B shop.

        Internal users always may; portal users only when their company is a
        validated B2B account and their role is buyer or approver; public users
        never.
        """
        self.ensure_one()
        if self._is_public():
            return False
        if self._is_internal():
            return True
        partner = self.partner_id
        return partner._b2b_is_validated() and partner.b2b_role in ("buyer", "approver")

    def _b2b_can_see_catalogue(self, website):
        """True when the user may see the shop, prices and quick order of website."""
        self.ensure_one()
        if not website or not website.b2b_only:
            return True
        if self._is_public():
            return False
        if self._is_internal():
            return True
        return self.partner_id._b2b_is_validated()

    # --- H6: sales reps and the B2B accounts they manage ---

    def _b2b_is_sales_rep(self):
        """True for an internal user with the sales (own documents) rights."""
        self.ensure_one()
        return self._is_internal() and self.has_group("sales_team.group_sale_salesman")

    def _b2b_managed_partners(self):
        """The B2B companies whose salesperson is this user (sudo recordset).

        Only commercial partners of a B2B account (pending, validated or
        refused); empty for a user who is not a sales rep.
        """
        self.ensure_one()
        Partner = self.env["res.partner"].sudo()
        if not self._b2b_is_sales_rep():
            return Partner
        return Partner.search(
            [
                ("user_id", "=", self.id),
                ("b2b_state", "!=", "none"),
                ("is_company", "=", True),
            ],
            order="name",
        )

    def _b2b_can_act_for(self, partner):
        """True when this user may order on the website for partner's company."""
        self.ensure_one()
        commercial = partner.sudo().commercial_partner_id
        return bool(
            commercial
            and commercial.b2b_state == "validated"
            and commercial in self._b2b_managed_partners()
        )
