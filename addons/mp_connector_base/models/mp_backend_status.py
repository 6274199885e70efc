from odoo import api, models

from ..services.status_batch import StatusBatch, queue_waiting
from ..services.stored_text import in_company_lang


class MpBackend(models.Model):
    """The account's batched status exports (``services/status_batch.py``):
    acceptances and shipments sent several orders per call."""

    _inherit = "mp.backend"

    def _job_export_status_batch(self, action):
        """Job: send the account's waiting ``action`` exports ("accept" or
        "ship"), one call for at most the client's ``status_batch_size``
        orders; runs as superuser (staff of any department may queue them),
        in the company's language."""
        backend = in_company_lang(self.sudo(), self.company_id)
        return StatusBatch(backend, action).run()

    @api.model
    def _cron_export_status_batches(self):
        """Safety net: queue the batch jobs of the accounts whose batched
        exports wait."""
        queue_waiting(self.sudo().env)
