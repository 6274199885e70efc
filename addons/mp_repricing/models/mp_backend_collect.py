from odoo import api, models

from odoo.addons.mp_connector_base.services.stored_text import in_company_lang

from ..services.competitor_collect import CompetitorCollection


class MpBackend(models.Model):
    """The collection of competitors' offers of an account's offers
    (``services/competitor_collect.py``)."""

    _inherit = "mp.backend"

    @api.model
    def _cron_collect_competitors(self):
        """Queue the collection of every active account whose marketplace
        shows competitors' offers."""
        for backend in self.search([]):
            try:
                capable = backend._has_capability("competitors")
            except Exception:  # noqa: BLE001 - an account without connector
                capable = False
            if capable:
                in_company_lang(
                    backend, backend.company_id
                )._schedule_competitor_collection()
            try:
                fees = backend._has_capability("fees")
            except Exception:  # noqa: BLE001 - an account without connector
                fees = False
            if fees:
                in_company_lang(
                    backend, backend.company_id
                )._schedule_stale_fee_estimates()

    def _schedule_competitor_collection(self, offers=None):
        """Queue the jobs reading the competitors of this account's offers
        that a rule owns and were not read within the interval (``offers``:
        these ones, whatever their last reading). Returns the jobs."""
        self.ensure_one()
        return CompetitorCollection(self).schedule(offers)

    def _job_collect_competitors(self, offer_ids):
        """Job: read the competitors' offers of ``offer_ids`` and store
        their changes."""
        backend = in_company_lang(self.sudo(), self.company_id)
        return CompetitorCollection(backend).collect(offer_ids)
