"""The sync journal of an account: its runs (``mp.sync.run``), the runs
still at work, and the failures that count on the account until its
managers are alerted. Events (``mp.sync.event``) are written by
``mp.backend._log_event``."""

from odoo import fields

from .stored_text import in_company_lang

# the job states of a run still at work
ACTIVE_JOB_STATES = ("wait_dependencies", "pending", "enqueued", "started")


class Journal:
    """The journal of one account (``backend``)."""

    def __init__(self, backend):
        backend.ensure_one()
        self.backend = backend
        self.env = backend.env

    def open_run(self, operation, **values):
        """A new running ``mp.sync.run`` of ``operation``; created by the
        caller of the jobs (cron, button) so that every retry of its jobs
        finds it."""
        return (
            self.env["mp.sync.run"]
            .sudo()
            .create({"backend_id": self.backend.id, "operation": operation, **values})
        )

    def running(self, operation):
        """The runs of ``operation`` still running."""
        return (
            self.env["mp.sync.run"]
            .sudo()
            .search(
                [
                    ("backend_id", "=", self.backend.id),
                    ("operation", "=", operation),
                    ("state", "=", "running"),
                ]
            )
        )

    def in_progress(self, operation):
        """True while a run of ``operation`` still has jobs to do.

        A run left "running" without any job (its job was deleted) is closed
        as failed, so that it does not hide the account's health.
        """
        runs = self.running(operation)
        if not runs:
            return False
        active = (
            self.env["queue.job"]
            .sudo()
            .search_count(
                [("mp_run_id", "in", runs.ids), ("state", "in", ACTIVE_JOB_STATES)]
            )
        )
        if active:
            return True
        runs._fail(self.env._("The run lost its jobs before finishing."))
        return False

    def register_failure(self, message):
        """Count a failed run; alert managers after too many in a row."""
        backend = self.backend.sudo()
        failures = backend.consecutive_failures + 1
        backend.write(
            {
                "consecutive_failures": failures,
                "last_failure_date": fields.Datetime.now(),
                "last_failure_message": message,
            }
        )
        if failures == max(1, backend.failure_alert_threshold):
            Journal(backend).alert_managers(failures, message)

    def alert_managers(self, failures, message):
        """An activity for each manager of the account's company."""
        backend = self.backend
        company = backend.company_id
        translated = in_company_lang(backend, company)
        group = self.env.ref("mp_connector_base.group_mp_connector_base_manager")
        managers = group.users.filtered(
            lambda u: not u.share and company in u.company_ids
        )
        activity_type = self.env.ref(
            "mp_connector_base.mail_activity_type_backend_failure"
        )
        summary = translated.env._(
            "%(backend)s: %(count)s failed runs in a row",
            backend=backend.name,
            count=failures,
        )
        for user in managers - self.env.ref("base.user_root"):
            translated.activity_schedule(
                activity_type_id=activity_type.id,
                summary=summary,
                note=message,
                user_id=user.id,
            )
