"""The lists an account's buttons open (its orders, errors, journal, jobs,
offers): each titled after the account, with the account and the list's
filters preselected in the search bar, where the user sees and can remove
them, and a word for the list when it is empty."""

from markupsafe import Markup

from .health import placed_domain, stuck_jobs_domain

ORDERS = "mp_connector_base.mp_order_binding_action"
RUNS = "mp_connector_base.mp_sync_run_action"
JOBS = "mp_connector_base.queue_job_action"
OFFERS = "mp_connector_base.mp_offer_binding_action"
REVIEWS = "mp_connector_base.mp_listing_review_action"


class AccountLists:
    """The lists of one account (``backend``)."""

    def __init__(self, backend):
        backend.ensure_one()
        self.backend = backend
        self.env = backend.env
        self._ = backend.env._

    def open(
        self,
        xmlid,
        name,
        filters=(),
        domain=None,
        help_text=None,
        account_field="backend_id",
    ):
        """The list of ``xmlid``'s records of this account, titled ``name``.

        The account and ``filters`` (names of filters of the list's search
        view) are preselected in the search bar; ``domain`` is only for
        conditions no filter expresses.
        """
        backend = self.backend
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        context = {f"search_default_{account_field}": backend.id}
        if account_field == "backend_id":
            context["default_backend_id"] = backend.id
        context.update({f"search_default_{filter_}": 1 for filter_ in filters})
        action.update(
            {
                "name": name,
                "display_name": name,
                "domain": domain or [],
                "context": context,
            }
        )
        if help_text:
            action["help"] = help_text
        return action

    def _empty(self, title, text):
        return Markup('<p class="o_view_nocontent_smiling_face">%s</p><p>%s</p>') % (
            title,
            text,
        )

    # -- orders --------------------------------------------------------------
    def _orders(self, name, filters=(), empty=None, domain=None):
        """The account's orders; ``empty``: (title, text) said when none."""
        return self.open(
            ORDERS,
            name,
            filters=filters,
            domain=domain,
            help_text=self._empty(*empty) if empty else None,
        )

    def orders(self):
        return self._orders(self._("Orders - %s", self.backend.name))

    def orders_today(self):
        _ = self._
        return self._orders(
            _("Orders placed today - %s", self.backend.name),
            ["filter_today"],
            (
                _("No order placed today yet"),
                _(
                    "Orders appear here once imported; the account imports them "
                    "every few minutes, or use Import Orders Now on the account."
                ),
            ),
        )

    def orders_week(self):
        # the search view has no "last 7 days" filter: the week is a domain
        return self._orders(
            self._("Orders of the last 7 days - %s", self.backend.name),
            domain=placed_domain(self.env, days_before=6),
        )

    def order_errors(self):
        _ = self._
        return self._orders(
            _("Orders in error - %s", self.backend.name),
            ["filter_error"],
            (
                _("No order in error"),
                _(
                    "An order that cannot be imported waits here with its reason; "
                    "fix the cause (product, tax, configuration) and replay it."
                ),
            ),
        )

    def orders_pending(self):
        _ = self._
        return self._orders(
            _("Orders waiting to be processed - %s", self.backend.name),
            ["filter_pending"],
            (
                _("No order waiting"),
                _(
                    "Imported orders wait here a few moments until they become "
                    "sale orders."
                ),
            ),
        )

    def orders_to_decide(self):
        _ = self._
        return self._orders(
            _("Orders to accept or refuse - %s", self.backend.name),
            ["filter_to_accept"],
            (
                _("No order to accept"),
                _(
                    "Orders the stock does not cover wait here: open one to accept "
                    "or refuse it on the marketplace."
                ),
            ),
        )

    def export_errors(self):
        _ = self._
        return self._orders(
            _("Status exports in error - %s", self.backend.name),
            ["filter_export_error"],
            (
                _("No status export in error"),
                _(
                    "When the marketplace refuses an acceptance or a shipment "
                    "confirmation, the order waits here: fix it, then Retry "
                    "Status Export."
                ),
            ),
        )

    # -- journal and jobs ----------------------------------------------------
    def runs(self):
        return self.open(
            RUNS, self._("Journal - %s", self.backend.name), filters=["not_processing"]
        )

    def failed_runs(self):
        return self.open(
            RUNS, self._("Failed runs - %s", self.backend.name), filters=["failed"]
        )

    def failed_jobs(self):
        return self.open(
            JOBS,
            self._("Failed jobs - %s", self.backend.name),
            filters=["failed"],
            account_field="mp_backend_id",
        )

    def stuck_jobs(self):
        # "stuck" depends on a setting: no filter of the search view says it
        return self.open(
            JOBS,
            self._("Stuck jobs - %s", self.backend.name),
            domain=stuck_jobs_domain(self.env),
            account_field="mp_backend_id",
        )

    # -- offers --------------------------------------------------------------
    def offers(self, filters=()):
        name = self.backend.name
        if "in_error" in filters:
            title = self._("Rejected Offers - %s", name)
        elif "drifted" in filters:
            title = self._("Drifted Offers - %s", name)
        else:
            title = self._("Offers - %s", name)
        return self.open(OFFERS, title, filters=filters)

    def listing_reviews(self):
        return self.open(
            REVIEWS,
            self._("Listings to Review - %s", self.backend.name),
            filters=["to_review"],
        )
