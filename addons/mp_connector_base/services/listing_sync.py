"""The listing run of an account: the marketplace's offers read page by
page (Mirakl OF21, Amazon's listings), known offers compared for drift and,
in import mode, unknown listings bound to products or queued for review
(``mp.listing.review``)."""

from odoo import fields

from .paged_runs import Page, PageReader


class ListingPages(PageReader):
    """Reads the pages of listings of a listing run; ``mode`` "import"
    binds new listings, "drift" only compares the known offers."""

    job_method = "_job_sync_listings_page"
    preset = "listings_page"
    counters = {
        "count_new": "new",
        "count_updated": "known",
        "count_error": "review",
        "count_drift": "drift",
    }

    def __init__(self, backend, mode):
        super().__init__(backend)
        self.mode = mode
        self.operation = "import_listings" if mode == "import" else "check_drift"

    def job_args(self):
        return (self.mode,)

    def describe(self, env, number):
        if self.mode == "import":
            return env._(
                "%(backend)s: import listings, page %(page)s",
                backend=self.backend.name,
                page=number,
            )
        return env._(
            "%(backend)s: check listings for drift, page %(page)s",
            backend=self.backend.name,
            page=number,
        )

    def read_page(self, run, page):
        """Read one page of listings, bind or compare them."""
        backend = self.backend
        reviews = self.env["mp.listing.review"]
        client = backend._get_client()
        with backend._map_errors(run=run, what=self.env._("Listing import")):
            result = client.list_listings(page=page)
        stats = reviews._sync_listings(
            backend, result.listings, bind_new=self.mode == "import", run=run
        )
        for raw, reason in getattr(result, "invalid", None) or ():
            stats["review"] += reviews._queue_invalid(backend, raw, reason)
        return Page(
            fetched=len(result.listings),
            stats=stats,
            total=result.total,
            next_page=result.next_page,
            message=self.env._(
                "%(count)s listings: %(new)s bound, %(review)s to review, "
                "%(drift)s drifted.",
                count=len(result.listings),
                **{k: stats[k] for k in ("new", "review", "drift")},
            ),
        )

    def finish(self, run):
        if self.mode == "import":
            self.backend.last_listing_date = fields.Datetime.now()
