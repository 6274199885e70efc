from decimal import Decimal

from mphub.parsing import CENT
from mphub.pricing import FeeEstimate

from odoo import api, models
from odoo.tools import SQL

from odoo.addons.mp_connector_base.services.stored_text import in_company_lang

from ..services.competitor_collect import CompetitorCollection

FEE_CHUNK = 200


class MpBackend(models.Model):
    """The collection of competitors' offers of an account's offers
    (``services/competitor_collect.py``), its fee estimates, and the prices
    the repricer decided."""

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

    def _offer_decided_prices(self, offer_ids):
        """The prices the repricer applied replace the pricelist's."""
        prices = super()._offer_decided_prices(offer_ids)
        if not offer_ids:
            return prices
        self.env["mp.offer.binding"].flush_model(["repricing_price"])
        self.env.cr.execute(
            SQL(
                """
                SELECT id, repricing_price FROM mp_offer_binding
                 WHERE id = ANY(%s) AND repricing_price > 0
                """,
                list(offer_ids),
            )
        )
        for offer_id, price in self.env.cr.fetchall():
            prices[offer_id] = Decimal(str(price))
        return prices

    def _schedule_stale_fee_estimates(self):
        """Queue the fee estimates of the account's active offers owned by a
        rule asking for the marketplace's fees, whose latest estimate is
        older than the competitors' interval (or missing)."""
        self.ensure_one()
        hours = float(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("mp_repricing.competitor_interval_hours", 6)
            or 0
        )
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT offer.id
                  FROM mp_offer_binding offer
                  JOIN mp_repricing_rule rule ON rule.id = offer.repricing_rule_id
                 WHERE offer.backend_id = %s AND offer.active
                   AND rule.active AND rule.commission_source = 'fees_api'
                   AND NOT EXISTS (
                        SELECT 1 FROM mp_repricing_fee fee
                         WHERE fee.offer_id = offer.id
                           AND fee.date > (now() at time zone 'UTC')
                                          - %s * interval '1 hour'
                   )
                 ORDER BY offer.id
                """,
                self.id,
                hours,
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        if ids:
            self._schedule_fee_estimates(self.env["mp.offer.binding"].browse(ids))
        return ids

    def _schedule_fee_estimates(self, offers, prices=None):
        """Queue the fee estimates of ``offers`` (accounts with "fees"), at
        the price of each in ``prices`` ({offer id: price}: the candidate
        prices of a run) or else at its current price."""
        self.ensure_one()
        ids = offers.ids
        prices = prices or {}
        for start in range(0, len(ids), FEE_CHUNK):
            chunk = ids[start : start + FEE_CHUNK]
            asked = {str(i): str(prices[i]) for i in chunk if i in prices}
            self._enqueue(
                self,
                "_job_estimate_fees",
                chunk,
                asked or None,
                preset="competitors",
                identity_key=f"mp-repricing-fees-{self.id}-{chunk[0]}"
                + ("-asked" if asked else ""),
                description=self.env._("%s: estimate the fees", self.name),
            )

    def _job_estimate_fees(self, offer_ids, prices=None):
        """Job: the marketplace's fee estimate of each offer, at its price in
        ``prices`` ({str(offer id): str(price)}) or else at its current
        price, kept in ``mp.repricing.fee``: its variable part (a rate of
        the price) and its fixed part make the commission of rules asking
        the marketplace's fees."""
        backend = in_company_lang(self.sudo(), self.company_id)
        offers = backend.env["mp.offer.binding"].browse(offer_ids).exists()
        offers = offers.filtered(lambda o: o.backend_id == backend)
        prices = prices or {}
        items, kept = [], []
        for offer in offers:
            price = prices.get(str(offer.id))
            if price is None:
                price = offer.repricing_price or offer.sent_price or offer.mp_price
            price = Decimal(str(price or 0)).quantize(CENT)
            if price <= 0:
                continue
            items.append((offer.seller_sku, price, backend.currency_id.name, False))
            kept.append((offer, price))
        if not items:
            return 0
        with backend._map_errors(what=backend.env._("fee estimates")):
            estimates = backend._get_client().fee_estimates(items)
        values = []
        for (offer, price), fees in zip(kept, estimates, strict=False):
            if not isinstance(fees, FeeEstimate):
                continue
            values.append(
                {
                    "offer_id": offer.id,
                    "backend_id": backend.id,
                    "price": float(price),
                    "fees": float(fees.total),
                    "variable_fees": float(fees.variable),
                    "fixed_fees": float(fees.fixed),
                    "rate": float(fees.variable / price),
                }
            )
        backend.env["mp.repricing.fee"].create(values)
        return len(values)
