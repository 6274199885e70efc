"""The one page-job loop of the connector: a run (``mp.sync.run``) that
reads a marketplace's pages one job each.

The run is opened by the caller (cron or button), so that every retry of
its jobs finds it; each job reads one page, adds what it did to the run's
counts and queues the job of the next page, or, after the last page,
finishes the run (the order import moves its cursor then). A 429 or a 5xx
costs one page, not the whole run. What varies is the page reader: the
order import (``order_import.OrderPages``) and the listing sync
(``listing_sync.ListingPages``) are two.
"""

from dataclasses import dataclass, field

from .journal import Journal
from .stored_text import in_company_lang


@dataclass
class Page:
    """What a page reader read and did with one page."""

    fetched: int  # records read
    stats: dict = field(default_factory=dict)  # what became of them, counted
    total: int | None = None  # records in the whole run, when known
    next_page: object = None  # the token of the next page; None: the last
    message: str = ""  # what the job says it did


class PageReader:
    """The variable part of a paged run: which run, which job, one page."""

    operation = None  # the ``mp.sync.run`` operation
    job_method = None  # the ``mp.backend`` job reading one page
    preset = None  # its job preset (``services/jobs.py``)
    counters = {}  # {run counter: key of ``Page.stats`` added to it}

    def __init__(self, backend):
        backend.ensure_one()
        self.backend = backend
        self.env = backend.env

    def run_values(self):
        """Values of the run when it opens."""
        return {}

    def job_args(self):
        """Arguments of the page job between the run and the page."""
        return ()

    def describe(self, env, number):
        """The description of the job of page ``number`` (in ``env``'s
        language)."""
        raise NotImplementedError

    def read_page(self, run, page):
        """Read ``page`` (None: the first) of ``run`` and handle it: a
        ``Page``."""
        raise NotImplementedError

    def finish(self, run):
        """The last page of ``run`` is handled (the run is closed next)."""


class PagedRun:
    """The loop of a run whose pages ``reader`` (a ``PageReader``) reads."""

    def __init__(self, reader):
        self.reader = reader
        self.backend = reader.backend
        self.env = reader.env

    def start(self):
        """Open the run and queue the job of its first page."""
        reader = self.reader
        run = Journal(self.backend).open_run(reader.operation, **reader.run_values())
        self.queue(run, None)
        return run

    def queue(self, run, page):
        """Queue the job reading ``page`` of ``run``."""
        backend = in_company_lang(self.backend, self.backend.company_id)
        reader = self.reader
        backend._enqueue(
            backend,
            reader.job_method,
            run,
            *reader.job_args(),
            page,
            run=run,
            preset=reader.preset,
            description=reader.describe(backend.env, run.page_count + 1),
        )

    def run_page(self, run, page):
        """Job: read ``page`` of ``run``, count it, queue the next page or
        finish the run; returns what the job says it did."""
        if run.state != "running":
            return self.env._("Run %s is no longer running.", run.display_name)
        result = self.reader.read_page(run, page)
        values = {
            "page_count": run.page_count + 1,
            "count_fetched": run.count_fetched + result.fetched,
            "total_expected": result.total or run.total_expected,
        }
        for name, key in self.reader.counters.items():
            values[name] = run[name] + result.stats[key]
        run.write(values)
        if result.next_page:
            self.queue(run, result.next_page)
        else:
            self.reader.finish(run)
            run._close("done")
        return result.message
