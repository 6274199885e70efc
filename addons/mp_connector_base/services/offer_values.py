"""What each offer of an account must show: its quantity and its price,
computed in bulk, and the differences with what was last pushed.

A catalogue of 100,000 offers is read with a handful of SQL queries (the
offers, the free stock of the account's warehouses, the sales prices, the
taxes); Odoo's pricelist engine is asked only for the products a rule of
the account's pricelist may apply to. The marketplace-independent rules
(stock policy, rounding, floor price, diff) are ``mphub.offers``'.
"""

from decimal import Decimal

from mphub.offers import StockPolicy, diff_offers, round_price, sellable_quantity

from odoo import fields
from odoo.tools import SQL

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
CENT = Decimal("0.01")
# the last push that was not rejected is what the marketplace shows
SENT_STATES = ("pending", "confirmed")


class OfferValues:
    """The values of the offers of one account (``backend``)."""

    def __init__(self, backend):
        backend.ensure_one()
        self.backend = backend
        self.env = backend.env

    # ------------------------------------------------------------------
    # compute and diff
    # ------------------------------------------------------------------
    def stock_policy(self):
        backend = self.backend
        return StockPolicy(
            buffer=max(0, backend.stock_buffer),
            percent=Decimal(str(backend.stock_percent)),
            maximum=max(0, backend.stock_max),
            threshold=max(0, backend.stock_threshold),
        )

    def compute(self, offer_ids):
        """Quantity and price each offer must show, in bulk (SQL reads).

        Returns {offer id: dict(sku, ean, product_id, quantity, price, and
        the last push: stock_state, sent_quantity, price_state, sent_price)};
        ``ean`` is the offer's (as the marketplace lists it), else the
        product's barcode, else None.
        """
        backend = self.backend
        rows = self._read_offers(offer_ids)
        product_ids = list({row[2] for row in rows})
        free = self.free_quantities(product_ids) if backend.export_stock else {}
        prices = self.prices(product_ids) if backend.export_price else {}
        decided = backend._offer_decided_prices([row[0] for row in rows])
        policy = self.stock_policy()
        rounding = backend.price_rounding
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
            ean,
        ) in rows:
            quantity = sellable_quantity(
                free.get(product_id, 0),
                policy,
                fixed=fixed if mode == "fixed" else None,
                excluded=mode == "excluded",
                sellable=bool(sellable and active),
            )
            price = decided.get(offer_id)
            # a decided price is the repricer's to the cent: the account's
            # rounding (x.99...) would undo a "beat by 0.10"
            price_rounding = "cent" if price is not None else rounding
            if price is None:
                price = prices.get(product_id)
            values[offer_id] = {
                "sku": sku,
                "ean": ean or None,
                "product_id": product_id,
                "quantity": quantity,
                "price": round_price(price, price_rounding, floor=floor or None)
                if price is not None
                else None,
                "stock_state": stock_state,
                "sent_quantity": sent_quantity,
                "price_state": price_state,
                "sent_price": sent_price or 0,
            }
        return values

    def _read_offers(self, offer_ids):
        """The offers' rows the computation needs, in one query."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT o.id, o.seller_sku, o.product_id, o.stock_mode,
                       o.fixed_quantity, o.floor_price, o.active,
                       o.stock_state, o.sent_quantity, o.price_state, o.sent_price,
                       p.active AND t.active AND t.sale_ok,
                       COALESCE(NULLIF(o.ean, ''), NULLIF(p.barcode, ''))
                  FROM mp_offer_binding o
                  JOIN product_product p ON p.id = o.product_id
                  JOIN product_template t ON t.id = p.product_tmpl_id
                 WHERE o.id = ANY(%s) AND o.backend_id = %s
                """,
                list(offer_ids),
                self.backend.id,
            )
        )
        return self.env.cr.fetchall()

    def diff(self, values, forced=()):
        """Split the computed ``values`` into what must be pushed:
        ``(stock, prices)``, {offer id: value} each; ``forced`` offers are
        pushed even when they equal the last push."""
        export_stock = self.backend.export_stock
        export_price = self.backend.export_price
        computed, last = {}, {}
        for offer_id, row in values.items():
            computed[offer_id] = (
                row["quantity"] if export_stock else None,
                row["price"] if export_price else None,
            )
            last[offer_id] = (
                row["sent_quantity"] if row["stock_state"] in SENT_STATES else None,
                Decimal(str(row["sent_price"])).quantize(CENT)
                if row["price_state"] in SENT_STATES
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

    # ------------------------------------------------------------------
    # stock
    # ------------------------------------------------------------------
    def _stock_locations_paths(self):
        backend = self.backend
        warehouses = backend.stock_warehouse_ids or backend.warehouse_id
        return [f"{w.view_location_id.parent_path}%" for w in warehouses]

    def free_quantities(self, product_ids):
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

    # ------------------------------------------------------------------
    # prices
    # ------------------------------------------------------------------
    def prices(self, product_ids):
        """Tax-included price of each product from the account's pricelist,
        as a ``Decimal`` in the pricelist's currency."""
        backend = self.backend
        products = (
            self.env["product.product"]
            .with_context(active_test=False)
            .browse(product_ids)
        )
        pricelist = backend.pricelist_id
        currency = pricelist.currency_id or backend.company_id.currency_id
        ruled = self.products_with_rules(product_ids)
        plain = [pid for pid in product_ids if pid not in ruled]
        raw = self._list_prices(plain, currency) if plain else {}
        ruled_products = products.browse(sorted(ruled))
        for start in range(0, len(ruled_products), 1000):
            chunk = ruled_products[start : start + 1000]
            raw.update(pricelist._get_products_price(chunk, 1.0))
        return self._tax_included_prices(products, raw, currency)

    def products_with_rules(self, product_ids):
        """The products some rule of the pricelist may apply to (in force
        now); the others sell at their sales price, read in bulk. Odoo's
        pricelist engine works product by product, too slow for a catalogue
        of 100,000 offers that mostly follows the sales price."""
        pricelist = self.backend.pricelist_id
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
        conditions = self._rule_conditions(items)
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

    def _rule_conditions(self, items):
        """SQL conditions on products (``p``) and templates (``t``) matching
        what the pricelist rules ``items`` apply to."""
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
        return conditions

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
        company = self.backend.company_id
        rate = 1.0
        if currency and currency != company.currency_id:
            rate = company.currency_id._convert(
                1.0, currency, company, fields.Date.today(), round=False
            )
        return {pid: float(price or 0) * rate for pid, price in rows}

    def _tax_included_prices(self, products, raw, currency):
        """Marketplaces show prices tax included: add the taxes a product's
        price excludes (through the account's fiscal position)."""
        fpos = self.backend.fiscal_position_id
        taxes_of = self._product_taxes(products.ids)
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

    def _product_taxes(self, product_ids):
        """{product id: (its sales tax ids of the account's company)}."""
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
                list(product_ids),
                self.backend.company_id.id,
            )
        )
        return {pid: tuple(ids) for pid, ids in self.env.cr.fetchall()}

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
