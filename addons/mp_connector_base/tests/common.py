"""Test helpers shared by the marketplace connectors' tests."""

from operator import attrgetter

import requests
from mphub.sandbox import Sandbox

from odoo.addons.mp_connector_base.services.sandbox_demo import SandboxDemo
from odoo.addons.queue_job.exception import FailedJobError, RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs


class SandboxMixin:
    """Starts the sandbox (real HTTP servers on 127.0.0.1) for a test class."""

    @classmethod
    def start_sandbox(cls, seed=42):
        cls.sandbox = Sandbox(seed=seed)
        cls.sandbox.start()
        cls.addClassCleanup(cls.sandbox.stop)
        return cls.sandbox

    def sandbox_admin(self, emulator, method, path, payload=None):
        """Call an emulator's admin endpoint (``/_sandbox/...``)."""
        url = self.sandbox.urls[emulator] + "/_sandbox/" + path.lstrip("/")
        response = requests.request(method, url, json=payload, timeout=10)
        response.raise_for_status()
        return response.json() if response.content else None


class JobRunnerMixin:
    """Runs queue_job jobs in the test transaction, as the runner would.

    Jobs enqueued by jobs are run too; a ``RetryableJobError`` puts the job
    back in the queue (its delay is not waited for) until it succeeds or
    reaches its maximum number of retries.

    Journal events a job writes in a transaction of their own (retries:
    ``mp.backend._write_detached_event``) cannot be: the test runs in one
    transaction, which a new cursor would not see. They are kept aside
    while a job runs and written in the test's transaction once the job's
    savepoint is gone, so that they survive its rollback as they would;
    outside jobs they are written in the test's transaction at once.
    """

    _detached_events = None  # a list while jobs run

    @classmethod
    def setUpClass(cls):
        super().setUpClass()

        def write_detached_event(backend, vals):
            if cls._detached_events is not None:
                cls._detached_events.append(vals)
            else:
                backend.env["mp.sync.event"].sudo().create(vals)

        cls.classPatch(
            type(cls.env["mp.backend"]), "_write_detached_event", write_detached_event
        )

    def trap_jobs(self):
        return trap_jobs()

    def run_jobs(self, trap, rounds=None):
        """Run the trapped jobs until none is left (or for ``rounds`` rounds,
        leaving the rest in the trap). Returns counts of performed, retried
        and failed (given up on) jobs."""
        stats = {"performed": 0, "retried": 0, "failed": 0}
        type(self)._detached_events = []
        try:
            return self._run_job_rounds(trap, rounds, stats)
        finally:
            type(self)._detached_events = None

    def _flush_detached_events(self):
        events = type(self)._detached_events
        type(self)._detached_events = []
        if events:
            self.env["mp.sync.event"].sudo().create(events)

    def _run_job_rounds(self, trap, rounds, stats):
        for _round in range(rounds or 200):
            jobs = trap.enqueued_jobs
            trap.enqueued_jobs = []
            if not jobs:
                return stats
            for job in sorted(jobs, key=attrgetter("priority")):
                try:
                    with self.env.cr.savepoint():
                        job.perform()
                    stats["performed"] += 1
                except RetryableJobError:
                    stats["retried"] += 1
                    trap.enqueued_jobs.append(job)
                except FailedJobError:
                    stats["failed"] += 1
                self._flush_detached_events()
            self.env.invalidate_all()
        if rounds:
            return stats
        raise AssertionError("jobs keep being enqueued")


class MarketplaceFixturesMixin:
    """The sandbox catalogue (50 of each product), a EUR pricelist and the
    company's warehouse, for a connector's test class."""

    @classmethod
    def setup_marketplace_fixtures(cls, pricelist_name="Marketplaces EUR"):
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.sandbox_demo = SandboxDemo(cls.env)
        cls.products = cls.sandbox_demo.load_catalog(size=60, quantity=50)
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.pricelist = cls.env["product.pricelist"].create(
            {"name": pricelist_name, "currency_id": cls.eur.id}
        )
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )


class OfferJobsMixin:
    """Order import, listing import and offer export run to the end in the
    test, on ``self.backend`` unless told otherwise."""

    def import_orders(self, backend=None):
        """Run an import and every job it leads to; return the run."""
        backend = backend or self.backend
        with self.trap_jobs() as trap:
            run = backend._schedule_import_orders()
            self.job_stats = self.run_jobs(trap)
        return run

    def bindings(self, backend=None):
        return self.env["mp.order.binding"].search(
            [("backend_id", "=", (backend or self.backend).id)]
        )

    def import_listings(self, backend=None, mode="import"):
        backend = backend or self.backend
        with self.trap_jobs() as trap:
            run = backend._schedule_listing_sync(mode)
            self.env["mp.offer.dirty"]._flush_marks()
            self.job_stats = self.run_jobs(trap)
        return run

    def export(self):
        """Flush the marks, run the export jobs they queued and the polling."""
        with self.trap_jobs() as trap:
            self.env["mp.offer.dirty"]._flush_marks()
            self.job_stats = self.run_jobs(trap)

    def offers(self, backend=None):
        return self.env["mp.offer.binding"].search(
            [("backend_id", "=", (backend or self.backend).id)]
        )


class RawOrdersMixin:
    """Orders given as raw payloads, in the shapes a test chooses, stored
    and processed as an import does; and the sales taxes they need."""

    @classmethod
    def sale_vat(cls, rate, country, included=True):
        """A sales VAT of ``rate`` percent of ``country``."""
        groups = cls.env["account.tax.group"]
        group = groups.search([("country_id", "=", country.id)], limit=1)
        group = group or groups.create(
            {"name": f"VAT {country.code}", "country_id": country.id}
        )
        return cls.env["account.tax"].create(
            {
                "name": f"{country.code} VAT {rate}% {'incl.' if included else ''}",
                "amount": rate,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_included"
                if included
                else "tax_excluded",
                "country_id": country.id,
                "tax_group_id": group.id,
            }
        )

    def process(self, *raws):
        """Store and process ``raws`` on ``self.backend``; their bindings."""
        bindings = self.env["mp.order.binding"]
        stats = bindings._store_raw_orders(self.backend, list(raws))
        stats["to_process"]._process_bindings()
        return bindings.search(
            [
                ("backend_id", "=", self.backend.id),
                (
                    "external_id",
                    "in",
                    [self.backend._raw_order_external_id(raw) for raw in raws],
                ),
            ]
        )
