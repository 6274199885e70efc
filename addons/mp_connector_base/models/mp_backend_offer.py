"""The offer side of a marketplace account: stock and price export,
listing import and drift detection."""

import json
import logging
from decimal import Decimal

from mphub.offers import (
    ROUNDING_RULES,
    OfferRow,
    PriceRow,
    StockPolicy,
    StockRow,
    diff_offers,
    round_price,
    sellable_quantity,
)

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.queue_job.exception import RetryableJobError

from ..services.stored_text import in_company_lang

_logger = logging.getLogger(__name__)

# backend fields whose change alters what every offer exports
POLICY_FIELDS = {
    "stock_warehouse_ids",
    "warehouse_id",
    "stock_buffer",
    "stock_percent",
    "stock_max",
    "stock_threshold",
    "pricelist_id",
    "price_rounding",
    "export_stock",
    "export_price",
    "fiscal_position_id",
}
ROUNDING_LABELS = {
    "none": "No rounding",
    "cent": "To the cent",
    "x.99": "Up to .99",
    "x.90": "Up to .90",
    "x.x9": "Up to the next 9 cents",
    "integer": "To the unit",
}


def notification(message):
    """A client action showing ``message``, then reloading the view."""
    return {
        "type": "ir.actions.client",
        "tag": "display_notification",
        "params": {
            "message": message,
            "type": "success",
            "next": {"type": "ir.actions.client", "tag": "soft_reload"},
        },
    }


class MpBackend(models.Model):
    _inherit = "mp.backend"

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

    def _compute_offer_counts(self):
        offers = self.env["mp.offer.binding"]
        counts = {
            name: dict(
                offers._read_group(
                    domain + [("backend_id", "in", self.ids)],
                    ["backend_id"],
                    ["__count"],
                )
            )
            for name, domain in (
                ("offers", []),
                ("errors", [("has_error", "=", True)]),
                ("drift", [("drift", "=", True)]),
            )
        }
        reviews = dict(
            self.env["mp.listing.review"]._read_group(
                [("backend_id", "in", self.ids), ("state", "=", "to_review")],
                ["backend_id"],
                ["__count"],
            )
        )
        pending = self.env["mp.offer.dirty"].sudo()._count_for(self)
        for backend in self:
            backend.offer_count = counts["offers"].get(backend, 0)
            backend.offer_error_count = counts["errors"].get(backend, 0)
            backend.offer_drift_count = counts["drift"].get(backend, 0)
            backend.listing_review_count = reviews.get(backend, 0)
            backend.offer_pending_count = pending.get(backend.id, 0)

    def write(self, vals):
        res = super().write(vals)
        if POLICY_FIELDS & set(vals):
            self.env["mp.offer.dirty"]._mark_backends(self.ids)
        return res

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------
    def action_export_offers(self):
        """Export what changed now, without waiting for the delay."""
        for backend in self:
            backend._schedule_offer_export(delay=0)
        return self._notify_queued(self.env._("Export of the changed offers queued."))

    def action_resync_offers(self):
        """Push every offer again, changed or not."""
        offers = self.env["mp.offer.binding"].search([("backend_id", "in", self.ids)])
        offers._mark_dirty(force=True)
        return self._notify_queued(
            self.env._("Full push of %s offer(s) queued.", len(offers))
        )

    def action_import_listings(self):
        for backend in self:
            backend._schedule_listing_sync("import")
        return self._notify_queued(self.env._("Listing import queued."))

    def action_check_drift(self):
        for backend in self:
            backend._schedule_listing_sync("drift")
        return self._notify_queued(self.env._("Drift check queued."))

    def _notify_queued(self, message):
        return notification(message)

    # ------------------------------------------------------------------
    # offer conditions
    # ------------------------------------------------------------------
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

    def _open_offers(self, name, filters=()):
        """This account's offers, the account and ``filters`` shown (and
        removable) in the search bar."""
        return self._open_list(
            "mp_connector_base.mp_offer_binding_action", name, filters=filters
        )

    def action_open_offers(self):
        return self._open_offers(self.env._("Offers - %s", self.name))

    def action_open_offer_errors(self):
        return self._open_offers(
            self.env._("Rejected Offers - %s", self.name), filters=["in_error"]
        )

    def action_open_drifted_offers(self):
        return self._open_offers(
            self.env._("Drifted Offers - %s", self.name), filters=["drifted"]
        )

    def action_open_listing_reviews(self):
        return self._open_list(
            "mp_connector_base.mp_listing_review_action",
            self.env._("Listings to Review - %s", self.name),
            filters=["to_review"],
        )

    # ------------------------------------------------------------------
    # export: dirty offers -> computed values -> diff -> batches
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
                priority=8,
                eta=backend.export_delay if delay is None else delay,
                max_retries=50,
                identity_key=f"mp-offer-export-{backend.id}",
                channel="root.marketplace.export",
                description=self.env._("%s: export stock and prices", backend.name),
            )

    def _job_export_offers(self):
        return in_company_lang(self.sudo(), self.company_id)._export_offers()

    def _export_offers(self):
        """Push the quantities and prices of the marked offers that changed.

        One export at a time per account; the marks are taken in this
        transaction, so that a failure gives them back.
        """
        self.ensure_one()
        if not self._try_advisory_lock("export-offers"):
            raise RetryableJobError(
                self.env._("Another export of this account is running."),
                seconds=max(2, self.export_delay),
                ignore_retry=True,
            )
        taken = self.env["mp.offer.dirty"]._take(self)
        if not taken:
            return self.env._("Nothing to export.")
        values = self._compute_offer_values(list(taken))
        forced = {offer_id for offer_id, force in taken.items() if force}
        stock, prices = self._diff_offer_values(values, forced)
        if not stock and not prices:
            return self.env._("%s offer(s) checked, nothing changed.", len(taken))
        run = self.env["mp.sync.run"].create(
            {
                "backend_id": self.id,
                "operation": "export_offers",
                "count_fetched": len(taken),
            }
        )
        client = self._get_client()
        pushes = self.env["mp.offer.push"]
        if stock and prices and client.pushes_both:
            pushes |= self._push_offers_together(client, run, stock, prices, values)
        else:
            for kind, changes in (("stock", stock), ("price", prices)):
                if changes:
                    pushes |= self._push_offer_values(
                        client, run, kind, changes, values
                    )
        run.write(
            {
                "count_done": len(set(stock) | set(prices)),
                "count_unchanged": len(taken) - len(set(stock) | set(prices)),
                "message": self.env._(
                    "%(stock)s quantities and %(prices)s prices pushed in "
                    "%(batches)s batch(es).",
                    stock=len(stock),
                    prices=len(prices),
                    # the stock and price pushes of a shared batch count once
                    batches=len(
                        set(
                            pushes.mapped(
                                lambda p: p.external_id or p.batch_skus or str(p.id)
                            )
                        )
                    ),
                ),
            }
        )
        run._close("done")
        self.last_export_date = fields.Datetime.now()
        return run.message

    def _diff_offer_values(self, values, forced=()):
        """Split the computed values into what must be pushed."""
        computed, last = {}, {}
        for offer_id, row in values.items():
            computed[offer_id] = (
                row["quantity"] if self.export_stock else None,
                row["price"] if self.export_price else None,
            )
            last[offer_id] = (
                row["sent_quantity"]
                if row["stock_state"] in ("pending", "confirmed")
                else None,
                Decimal(str(row["sent_price"])).quantize(Decimal("0.01"))
                if row["price_state"] in ("pending", "confirmed")
                else None,
            )
        stock, prices = diff_offers(
            {k: v for k, v in computed.items() if k not in forced}, last
        )
        forced_stock, forced_prices = diff_offers(
            {k: v for k, v in computed.items() if k in forced}, last, force=True
        )
        stock.update(forced_stock)
        prices.update(forced_prices)
        return stock, prices

    def _push_offer_values(self, client, run, kind, changes, values):
        """Send ``changes`` (offer id -> value) in batches; record them."""
        pushes = self.env["mp.offer.push"]
        ids = sorted(changes)
        size = max(1, client.max_push_rows)
        for start in range(0, len(ids), size):
            chunk = ids[start : start + size]
            if kind == "stock":
                rows = [StockRow(values[i]["sku"], changes[i]) for i in chunk]
                send = client.push_stock
                what = self.env._("Stock export")
            else:
                rows = [PriceRow(values[i]["sku"], changes[i]) for i in chunk]
                send = client.push_prices
                what = self.env._("Price export")
            # the run is not committed yet: a retry event must not point to it
            with self._map_errors(what=what):
                batch_id = send(rows)
            push = self._create_push(run, kind, batch_id, chunk, changes, values)
            pushes |= push._follow_batch(batch_id)
        return pushes

    def _push_offers_together(self, client, run, stock, prices, values):
        """Send quantities and prices in the same batches, one message per
        offer (``client.pushes_both``); each batch is recorded as a stock
        push and a price push sharing its marketplace id, followed once."""
        pushes = self.env["mp.offer.push"]
        ids = sorted(set(stock) | set(prices))
        size = max(1, client.max_push_rows)
        for start in range(0, len(ids), size):
            chunk = ids[start : start + size]
            rows = [
                OfferRow(
                    values[i]["sku"],
                    quantity=stock[i] if i in stock else None,
                    price=prices[i] if i in prices else None,
                )
                for i in chunk
            ]
            with self._map_errors(what=self.env._("Stock and price export")):
                batch_id = client.push_offers(rows)
            order = json.dumps([row.sku for row in rows])
            group = self.env["mp.offer.push"]
            for kind, changes in (("stock", stock), ("price", prices)):
                kind_ids = [i for i in chunk if i in changes]
                if kind_ids:
                    group |= self._create_push(
                        run, kind, batch_id, kind_ids, changes, values, order
                    )
            pushes |= group._follow_batch(batch_id)
        return pushes

    def _create_push(self, run, kind, batch_id, offer_ids, changes, values, order=None):
        """Record a sent batch (``offer_ids``: its offers of ``kind``) and
        mark its offers pending."""
        push = self.env["mp.offer.push"].create(
            {
                "backend_id": self.id,
                "run_id": run.id,
                "kind": kind,
                "external_id": batch_id
                if isinstance(batch_id, str | int) and batch_id
                else False,
                "line_count": len(offer_ids),
                "payload": json.dumps(
                    {values[i]["sku"]: str(changes[i]) for i in offer_ids}
                ),
                "batch_skus": order or False,
            }
        )
        self._record_sent(push, kind, offer_ids, [changes[i] for i in offer_ids])
        return push

    def _record_sent(self, push, kind, offer_ids, sent):
        self.env.flush_all()
        if kind == "stock":
            columns = SQL(
                "stock_state = 'pending', sent_quantity = v.value::int, "
                "stock_push_id = %s",
                push.id,
            )
        else:
            columns = SQL(
                "price_state = 'pending', sent_price = v.value, price_push_id = %s",
                push.id,
            )
        self.env.cr.execute(
            SQL(
                """
                UPDATE mp_offer_binding o
                   SET %(columns)s, date_pushed = now() at time zone 'UTC'
                  FROM unnest(%(ids)s::int[], %(values)s::numeric[]) AS v(id, value)
                 WHERE o.id = v.id
                """,
                columns=columns,
                ids=offer_ids,
                values=[str(value) for value in sent],
            )
        )
        self.env["mp.offer.binding"].invalidate_model()

    # ------------------------------------------------------------------
    # computing what each offer shows
    # ------------------------------------------------------------------
    def _stock_policy(self):
        return StockPolicy(
            buffer=max(0, self.stock_buffer),
            percent=Decimal(str(self.stock_percent)),
            maximum=max(0, self.stock_max),
            threshold=max(0, self.stock_threshold),
        )

    def _compute_offer_values(self, offer_ids):
        """Quantity and price each offer must show, in bulk (SQL reads).

        Returns {offer id: dict(sku, product_id, quantity, price, and the
        last push: stock_state, sent_quantity, price_state, sent_price)}.
        """
        self.ensure_one()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT o.id, o.seller_sku, o.product_id, o.stock_mode,
                       o.fixed_quantity, o.floor_price, o.active,
                       o.stock_state, o.sent_quantity, o.price_state, o.sent_price,
                       p.active AND t.active AND t.sale_ok
                  FROM mp_offer_binding o
                  JOIN product_product p ON p.id = o.product_id
                  JOIN product_template t ON t.id = p.product_tmpl_id
                 WHERE o.id = ANY(%s) AND o.backend_id = %s
                """,
                list(offer_ids),
                self.id,
            )
        )
        rows = self.env.cr.fetchall()
        product_ids = list({row[2] for row in rows})
        free = self._free_quantities(product_ids) if self.export_stock else {}
        prices = self._offer_prices(product_ids) if self.export_price else {}
        decided = self._offer_decided_prices([row[0] for row in rows])
        policy = self._stock_policy()
        values = {}
        for (
            offer_id,
            sku,
            product_id,
            mode,
            fixed,
            floor,
            active,
            stock_state,
            sent_quantity,
            price_state,
            sent_price,
            sellable,
        ) in rows:
            sellable = bool(sellable and active)
            quantity = sellable_quantity(
                free.get(product_id, 0),
                policy,
                fixed=fixed if mode == "fixed" else None,
                excluded=mode == "excluded",
                sellable=sellable,
            )
            price = decided.get(offer_id, prices.get(product_id))
            values[offer_id] = {
                "sku": sku,
                "product_id": product_id,
                "quantity": quantity,
                "price": round_price(price, self.price_rounding, floor=floor or None)
                if price is not None
                else None,
                "stock_state": stock_state,
                "sent_quantity": sent_quantity,
                "price_state": price_state,
                "sent_price": sent_price or 0,
            }
        return values

    def _stock_locations_paths(self):
        warehouses = self.stock_warehouse_ids or self.warehouse_id
        return [f"{w.view_location_id.parent_path}%" for w in warehouses]

    def _free_quantities(self, product_ids):
        """Free quantity (on hand minus reserved) of products in the
        account's warehouses, as ``product.free_qty`` counts it."""
        paths = self._stock_locations_paths()
        if not product_ids or not paths:
            return {}
        self.env["stock.quant"].flush_model(
            ["product_id", "location_id", "quantity", "reserved_quantity"]
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT q.product_id, SUM(q.quantity - q.reserved_quantity)
                  FROM stock_quant q
                  JOIN stock_location l ON l.id = q.location_id
                 WHERE q.product_id = ANY(%s) AND l.parent_path LIKE ANY(%s)
                 GROUP BY q.product_id
                """,
                product_ids,
                paths,
            )
        )
        return {product_id: qty for product_id, qty in self.env.cr.fetchall()}

    def _offer_decided_prices(self, offer_ids):
        """Prices decided elsewhere (repricing), {offer id: price}; they
        replace the pricelist's price, floors still apply."""
        return {}

    def _offer_prices(self, product_ids):
        """Tax-included price of each product from the account's pricelist,
        as a ``Decimal`` in the pricelist's currency."""
        products = (
            self.env["product.product"]
            .with_context(active_test=False)
            .browse(product_ids)
        )
        pricelist = self.pricelist_id
        currency = pricelist.currency_id or self.company_id.currency_id
        ruled = self._products_with_rules(product_ids)
        plain = [pid for pid in product_ids if pid not in ruled]
        raw = self._list_prices(plain, currency) if plain else {}
        ruled_products = products.browse(sorted(ruled))
        for start in range(0, len(ruled_products), 1000):
            chunk = ruled_products[start : start + 1000]
            raw.update(pricelist._get_products_price(chunk, 1.0))
        return self._tax_included_prices(products, raw, currency)

    def _products_with_rules(self, product_ids):
        """The products some rule of the pricelist may apply to (in force
        now); the others sell at their sales price, read in bulk. Odoo's
        pricelist engine works product by product, too slow for a catalogue
        of 100,000 offers that mostly follows the sales price."""
        pricelist = self.pricelist_id
        if not pricelist or not product_ids:
            return set()
        now = fields.Datetime.now()
        items = pricelist.item_ids.filtered(
            lambda i: (
                (not i.date_start or i.date_start <= now)
                and (not i.date_end or i.date_end >= now)
            )
        )
        if not items:
            return set()
        if any(item.applied_on == "3_global" for item in items):
            return set(product_ids)
        conditions = []
        variants = items.filtered(lambda i: i.applied_on == "0_product_variant")
        if variants.product_id:
            conditions.append(SQL("p.id = ANY(%s)", variants.product_id.ids))
        templates = items.filtered(lambda i: i.applied_on == "1_product")
        if templates.product_tmpl_id:
            conditions.append(
                SQL("p.product_tmpl_id = ANY(%s)", templates.product_tmpl_id.ids)
            )
        categories = items.filtered(lambda i: i.applied_on == "2_product_category")
        if categories.categ_id:
            children = self.env["product.category"].search(
                [("id", "child_of", categories.categ_id.ids)]
            )
            conditions.append(SQL("t.categ_id = ANY(%s)", children.ids))
        if not conditions:
            return set()
        self.env["product.template"].flush_model(["categ_id"])
        self.env.cr.execute(
            SQL(
                """
                SELECT p.id FROM product_product p
                  JOIN product_template t ON t.id = p.product_tmpl_id
                 WHERE p.id = ANY(%s) AND (%s)
                """,
                list(product_ids),
                SQL(" OR ").join(conditions),
            )
        )
        return {row[0] for row in self.env.cr.fetchall()}

    def _list_prices(self, product_ids, currency):
        """Sales price plus variant extras, read in bulk."""
        self.env.cr.execute(
            SQL(
                """
                SELECT p.id, t.list_price + COALESCE(SUM(v.price_extra), 0)
                  FROM product_product p
                  JOIN product_template t ON t.id = p.product_tmpl_id
             LEFT JOIN product_variant_combination c ON c.product_product_id = p.id
             LEFT JOIN product_template_attribute_value v
                    ON v.id = c.product_template_attribute_value_id
                 WHERE p.id = ANY(%s)
                 GROUP BY p.id, t.list_price
                """,
                product_ids,
            )
        )
        rows = self.env.cr.fetchall()
        company_currency = self.company_id.currency_id
        rate = 1.0
        if currency and currency != company_currency:
            rate = company_currency._convert(
                1.0, currency, self.company_id, fields.Date.today(), round=False
            )
        return {pid: float(price or 0) * rate for pid, price in rows}

    def _tax_included_prices(self, products, raw, currency):
        """Marketplaces show prices tax included: add the taxes a product's
        price excludes (through the account's fiscal position)."""
        fpos = self.fiscal_position_id
        self.env.cr.execute(
            SQL(
                """
                SELECT p.id, array_agg(r.tax_id ORDER BY r.tax_id)
                  FROM product_product p
                  JOIN product_taxes_rel r ON r.prod_id = p.product_tmpl_id
                  JOIN account_tax tax ON tax.id = r.tax_id
                 WHERE p.id = ANY(%s) AND tax.company_id = %s
                 GROUP BY p.id
                """,
                list(products.ids),
                self.company_id.id,
            )
        )
        taxes_of = {pid: tuple(ids) for pid, ids in self.env.cr.fetchall()}
        factors = {}
        result = {}
        for product in products:
            price = raw.get(product.id)
            if price is None:
                continue
            key = taxes_of.get(product.id, ())
            if key not in factors:
                factors[key] = self._tax_factor(key, fpos)
            factor = factors[key]
            if factor is None:  # not a plain percentage: ask the taxes
                taxes = fpos.map_tax(self.env["account.tax"].browse(key))
                price = taxes.compute_all(price, currency, 1.0, product=product)[
                    "total_included"
                ]
            else:
                price = price * factor
            result[product.id] = Decimal(str(price))
        return result

    def _tax_factor(self, tax_ids, fpos):
        """Multiplier from a price to its tax-included amount, None when the
        taxes are not simple percentages."""
        taxes = fpos.map_tax(self.env["account.tax"].browse(tax_ids))
        factor = 1.0
        for tax in taxes:
            if tax.amount_type != "percent" or tax.include_base_amount:
                return None
            if not tax.price_include:
                factor += tax.amount / 100.0
        return factor

    # ------------------------------------------------------------------
    # listing import and drift check
    # ------------------------------------------------------------------
    @api.model
    def _cron_check_drift(self):
        for backend in self.search([("export_stock", "=", True)]):
            backend._schedule_listing_sync("drift")

    def _schedule_listing_sync(self, mode):
        """Open a listing run and queue its first page (``mode``: "import"
        binds new listings, "drift" only compares the known offers)."""
        self.ensure_one()
        run = (
            self.env["mp.sync.run"]
            .sudo()
            .create(
                {
                    "backend_id": self.id,
                    "operation": "import_listings"
                    if mode == "import"
                    else "check_drift",
                }
            )
        )
        self._queue_listing_page(run, mode, None)
        return run

    def _queue_listing_page(self, run, mode, page):
        backend = in_company_lang(self, self.company_id)
        number = run.page_count + 1
        if mode == "import":
            description = backend.env._(
                "%(backend)s: import listings, page %(page)s",
                backend=self.name,
                page=number,
            )
        else:
            description = backend.env._(
                "%(backend)s: check listings for drift, page %(page)s",
                backend=self.name,
                page=number,
            )
        backend._enqueue(
            self,
            "_job_sync_listings_page",
            run,
            mode,
            page,
            run=run,
            priority=15,
            max_retries=15,
            channel="root.marketplace.import",
            description=description,
        )

    def _job_sync_listings_page(self, run, mode, page):
        backend = in_company_lang(self.sudo(), self.company_id)
        return backend._sync_listings_page(run.with_env(backend.env), mode, page)

    def _sync_listings_page(self, run, mode, page):
        """Read one page of listings, bind or compare them, queue the next."""
        self.ensure_one()
        if run.state != "running":
            return self.env._("Run %s is no longer running.", run.display_name)
        client = self._get_client()
        with self._map_errors(run=run, what=self.env._("Listing import")):
            result = client.list_listings(page=page)
        stats = self.env["mp.listing.review"]._sync_listings(
            self, result.listings, bind_new=mode == "import", run=run
        )
        for raw, reason in getattr(result, "invalid", None) or ():
            stats["review"] += self.env["mp.listing.review"]._queue_invalid(
                self, raw, reason
            )
        run.write(
            {
                "page_count": run.page_count + 1,
                "count_fetched": run.count_fetched + len(result.listings),
                "count_new": run.count_new + stats["new"],
                "count_updated": run.count_updated + stats["known"],
                "count_error": run.count_error + stats["review"],
                "count_drift": run.count_drift + stats["drift"],
                "total_expected": result.total or run.total_expected,
            }
        )
        if result.next_page:
            self._queue_listing_page(run, mode, result.next_page)
        else:
            run._close("done")
            if mode == "import":
                self.last_listing_date = fields.Datetime.now()
        return self.env._(
            "%(count)s listings: %(new)s bound, %(review)s to review, %(drift)s "
            "drifted.",
            count=len(result.listings),
            **{k: stats[k] for k in ("new", "review", "drift")},
        )
