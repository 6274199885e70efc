from mphub.offers import ROUNDING_RULES

from odoo import api, fields, models

from ..services.account_lists import AccountLists
from ..services.health import AccountOverview
from ..services.listing_sync import ListingPages
from ..services.notify import queued
from ..services.offer_export import OfferExport
from ..services.offer_values import POLICY_FIELDS, ROUNDING_LABELS, OfferValues
from ..services.paged_runs import PagedRun
from ..services.stored_text import in_company_lang


class MpOfferAccountMixin(models.AbstractModel):
    """The offer side of a marketplace account (``mp.backend`` inherits it):
    the export policy, the offer counts, the offer buttons and the jobs
    exporting stock and prices and reading listings. The algorithms are
    services: ``OfferValues`` (what each offer must show), ``OfferExport``
    (marks -> values -> diff -> batches), ``ListingPages`` (listing import and
    drift check, one page per job)."""

    _name = "mp.offer.account.mixin"
    _description = "Marketplace Account: Offers"

    # -- export settings ---------------------------------------------------
    export_stock = fields.Boolean(
        default=True,
        tracking=True,
        help="Push offer quantities to the marketplace when stock changes.",
    )
    export_price = fields.Boolean(
        string="Export Prices",
        default=True,
        tracking=True,
        help="Push offer prices to the marketplace when they change.",
    )
    stock_warehouse_ids = fields.Many2many(
        "stock.warehouse",
        string="Stock Warehouses",
        check_company=True,
        help="Warehouses whose free stock the offers show. Empty: the "
        "account's warehouse.",
    )
    stock_buffer = fields.Integer(
        string="Safety Buffer",
        help="Units held back from every offer's free stock.",
    )
    stock_percent = fields.Float(
        string="Share of Stock (%)",
        default=100.0,
        help="Share of the free stock (after the buffer) shown on the marketplace.",
    )
    stock_max = fields.Integer(
        string="Maximum Quantity", help="Cap of the quantity shown; 0: no cap."
    )
    stock_threshold = fields.Integer(
        string="Zero Under",
        help="A quantity under this threshold is shown as 0, so that the last "
        "units are not sold twice.",
    )
    price_rounding = fields.Selection(
        [(rule, ROUNDING_LABELS[rule]) for rule in ROUNDING_RULES],
        default="cent",
        required=True,
    )
    export_delay = fields.Integer(
        string="Export Delay (s)",
        default=10,
        help="Changes are gathered this long before an export runs.",
    )
    push_poll_delay = fields.Integer(
        string="Import Polling Delay (s)",
        default=5,
        help="Delay between two checks of a pushed batch the marketplace is "
        "processing.",
    )
    listing_page_size = fields.Integer(
        default=100, help="Listings read per call during a listing import."
    )
    last_export_date = fields.Datetime(readonly=True, copy=False)
    last_listing_date = fields.Datetime(
        string="Last Listing Import", readonly=True, copy=False
    )

    # -- counts --------------------------------------------------------------
    offer_count = fields.Integer(compute="_compute_offer_counts")
    offer_error_count = fields.Integer(
        string="Offers in Error", compute="_compute_offer_counts"
    )
    offer_drift_count = fields.Integer(
        string="Drifted Offers", compute="_compute_offer_counts"
    )
    offer_pending_count = fields.Integer(
        string="Offers to Export", compute="_compute_offer_counts"
    )
    listing_review_count = fields.Integer(
        string="Listings to Review", compute="_compute_offer_counts"
    )

    # ------------------------------------------------------------------
    # computes
    # ------------------------------------------------------------------
    def _compute_offer_counts(self):
        AccountOverview(self).compute_offer_counts()

    def write(self, vals):
        res = super().write(vals)
        if POLICY_FIELDS & set(vals):
            # a policy change changes what every offer of the account shows
            self.env["mp.offer.dirty"]._mark_backends(self.ids)
        return res

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------
    def action_open_offers(self):
        return AccountLists(self).offers()

    def action_open_listing_reviews(self):
        return AccountLists(self).listing_reviews()

    def action_open_offer_errors(self):
        return AccountLists(self).offers(filters=["in_error"])

    def action_open_drifted_offers(self):
        return AccountLists(self).offers(filters=["drifted"])

    def action_export_offers(self):
        """Export what changed now, without waiting for the delay."""
        for backend in self:
            backend._schedule_offer_export(delay=0)
        return queued(self.env._("Export of the changed offers queued."))

    def action_resync_offers(self):
        """Push every offer again, changed or not."""
        offers = self.env["mp.offer.binding"].search([("backend_id", "in", self.ids)])
        offers._mark_dirty(force=True)
        return queued(self.env._("Full push of %s offer(s) queued.", len(offers)))

    def action_import_listings(self):
        for backend in self:
            backend._schedule_listing_sync("import")
        return queued(self.env._("Listing import queued."))

    def action_check_drift(self):
        for backend in self:
            backend._schedule_listing_sync("drift")
        return queued(self.env._("Drift check queued."))

    # ------------------------------------------------------------------
    # offers: export of stock and prices (marks -> values -> diff -> batches)
    # ------------------------------------------------------------------
    @api.model
    def _cron_export_offers(self):
        """Safety net: export what is marked and has no job waiting."""
        backends = self.search(
            ["|", ("export_stock", "=", True), ("export_price", "=", True)]
        )
        pending = self.env["mp.offer.dirty"].sudo()._count_for(backends)
        for backend in backends.filtered(lambda b: pending.get(b.id)):
            backend._schedule_offer_export(delay=0)

    def _schedule_offer_export(self, delay=None):
        """Queue one export job per account (a waiting one is reused)."""
        for backend in self:
            backend = in_company_lang(backend, backend.company_id)
            backend._enqueue(
                backend,
                "_job_export_offers",
                preset="offer_export",
                eta=backend.export_delay if delay is None else delay,
                identity_key=f"mp-offer-export-{backend.id}",
                description=backend.env._("%s: export stock and prices", backend.name),
            )

    def _job_export_offers(self):
        """Job: push the marked offers that changed (``OfferExport``)."""
        return OfferExport(in_company_lang(self.sudo(), self.company_id)).run()

    def _compute_offer_values(self, offer_ids):
        """Quantity and price each offer must show (``OfferValues``)."""
        return OfferValues(self).compute(offer_ids)

    def _diff_offer_values(self, values, forced=()):
        """``(stock, prices)`` of ``values`` to push (``OfferValues``)."""
        return OfferValues(self).diff(values, forced)

    def _free_quantities(self, product_ids):
        return OfferValues(self).free_quantities(product_ids)

    def _products_with_rules(self, product_ids):
        return OfferValues(self).products_with_rules(product_ids)

    def _offer_decided_prices(self, offer_ids):
        """Prices decided elsewhere (repricing), {offer id: price}; they
        replace the pricelist's price, sent to the cent (the account's
        price rounding does not apply to them), the offer's floor still
        applies."""
        return {}

    def _offer_condition_labels(self):
        """{condition code: label} of the account's marketplace (an empty
        recordset: of every connector's). Each connector adds its
        marketplace's conditions (``_is_offer_condition_table``)."""
        return {}

    def _is_offer_condition_table(self, backend_type):
        """Whether the condition labels of ``backend_type`` apply here."""
        return not self or self.backend_type == backend_type

    def _offer_condition_label(self, code, labels=None):
        """The label of condition ``code``: the code itself when the
        marketplace's table does not know it (operator-specific states)."""
        if not code:
            return False
        if labels is None:
            labels = self._offer_condition_labels()
        return labels.get(str(code).strip()) or code

    # ------------------------------------------------------------------
    # listings: import and drift check
    # ------------------------------------------------------------------
    @api.model
    def _cron_check_drift(self):
        for backend in self.search([("export_stock", "=", True)]):
            backend._schedule_listing_sync("drift")

    def _schedule_listing_sync(self, mode):
        """Open a listing run and queue its first page (``mode``: "import"
        binds new listings, "drift" only compares the known offers)."""
        return PagedRun(ListingPages(self, mode)).start()

    def _job_sync_listings_page(self, run, mode, page):
        """Job: read one page of listings (``services/listing_sync.py``)."""
        backend = in_company_lang(self.sudo(), self.company_id)
        run = run.with_env(backend.env)
        return PagedRun(ListingPages(backend, mode)).run_page(run, page)
