from odoo import fields, models
from odoo.tools import SQL


class ResPartner(models.Model):
    _inherit = "res.partner"

    mp_address_key = fields.Char(
        string="Marketplace Address Key",
        copy=False,
        index="btree_not_null",
        help="Fingerprint of the marketplace address this contact was created "
        "from; the same address reuses the same contact.",
    )

    def init(self):
        res = super().init()
        # two workers importing the same buyer's address at once: the second
        # one fails here and retries, finding the first one's contact
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS res_partner_mp_address_uniq "
                "ON res_partner (parent_id, type, mp_address_key) "
                "WHERE mp_address_key IS NOT NULL"
            )
        )
        return res

    def _handle_first_contact_creation(self):
        # Odoo copies the address of a parent's first contact onto a parent
        # that has none: an imported delivery address must never become the
        # address of the account's customer (the generic partner, say)
        if self.env.context.get("mp_keep_parent_address"):
            return
        return super()._handle_first_contact_creation()
