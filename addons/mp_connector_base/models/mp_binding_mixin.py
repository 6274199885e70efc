from odoo import fields, models

from ..services.stored_text import in_company_lang


class MpBindingMixin(models.AbstractModel):
    """What every binding of a marketplace record to an Odoo record shares:
    its account and the account's company (``mp.account.mixin``), and a key
    unique per account.

    The bindings are ``mp.order.binding`` (keyed by the marketplace order
    id), ``mp.partner.binding`` (the buyer id) and ``mp.offer.binding`` (the
    seller SKU). Each declares its key in ``_mp_key_field`` and the SQL
    constraint ``unique(backend_id, <key>)`` that makes a marketplace record
    bound once per account whatever the number of imports and workers (the
    constraint stays on each model: its name and message are its own).
    """

    _name = "mp.binding.mixin"
    _inherit = ["mp.account.mixin"]
    _description = "Marketplace Binding"
    # the field identifying the marketplace record within an account
    _mp_key_field = "external_id"

    backend_type = fields.Selection(related="backend_id.backend_type")
    external_id = fields.Char(string="Marketplace ID")

    def _mp_find(self, backend, keys):
        """The bindings of ``backend`` whose key is in ``keys``, by key (one
        query)."""
        keys = [key for key in keys if key]
        if not keys:
            return {}
        field = self._mp_key_field
        return {
            binding[field]: binding
            for binding in self.search(
                [("backend_id", "=", backend.id), (field, "in", keys)]
            )
        }

    def _mp_by_backend(self):
        """These bindings, account by account: ``(backend, bindings)``."""
        return self.grouped("backend_id").items()

    def _in_company_langs(self):
        """These bindings, split by company, each part in its company's
        language (see ``in_company_lang``)."""
        for company, bindings in self.grouped("company_id").items():
            yield in_company_lang(bindings, company or None)
