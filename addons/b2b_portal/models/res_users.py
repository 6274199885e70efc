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
