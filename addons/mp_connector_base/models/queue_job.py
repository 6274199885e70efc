from odoo import fields, models

from ..services.stored_text import in_company_lang


class QueueJob(models.Model):
    _inherit = "queue.job"

    mp_backend_id = fields.Many2one(
        "mp.backend",
        string="Marketplace Account",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
    )
    mp_run_id = fields.Many2one(
        "mp.sync.run",
        string="Sync Run",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
    )

    def write(self, vals):
        res = super().write(vals)
        if vals.get("state") == "failed":
            self._mp_on_failed()
        return res

    def _mp_on_failed(self):
        """A job given up on fails its sync run and counts on its account."""
        for job in self.sudo().filtered("mp_run_id"):
            run = in_company_lang(job.mp_run_id, job.mp_run_id.company_id)
            run._fail(job.exc_message or job.exc_name or job.display_name)
