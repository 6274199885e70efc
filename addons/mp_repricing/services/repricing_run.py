"""A repricing run of one rule, from the stored snapshots to queued price
exports.

The inputs of every offer the rule owns are read in bulk (a handful of SQL
queries per account, whatever the number of offers): the current
competitors' offers (current snapshot rows), the cost (product cost or best
valid supplier price, in the company's currency, converted to the
account's), the commission (the rule's rate, the commission table or what
the account's orders paid, or the marketplace's cached fee estimate: its
referral rate of the candidate price plus its fixed fees, estimated again
at the decided price when that moves away from the estimate's), the
rule's fees and margins, the VAT of the product's sales taxes through the
account's fiscal position, the ceiling (the account's tax-included list
price, the MSRP or a factor of the cost), the free stock as the offer
export counts it, the last sale on the account, and the last applied change
and the day's first price from the offer's applied decisions. The engine
(``mphub.repricing.engine.run``) decides every offer in one call; the
decisions are written with one INSERT per chunk, the offers updated with one
UPDATE per chunk, and the offers whose applied price changed are marked for
the base's export, which pushes them.
"""

import io
import time
from collections import defaultdict
from dataclasses import replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytz
from mphub.offers import sellable_quantity
from mphub.pricing import FULFILMENTS, SELLER_TYPES, CompetitorOffer
from mphub.repricing.engine import gc_paused
from mphub.repricing.engine import run as engine_run
from mphub.repricing.model import Costs, OfferInput, floor_of

from odoo import fields
from odoo.tools import SQL

from odoo.addons.mp_connector_base.services.offer_values import OfferValues
from odoo.addons.mp_connector_base.services.stored_text import in_company_lang

from .explanations import Renderer, translated_templates

CENT = Decimal("0.01")
ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
CHUNK = 20000  # rows per INSERT / UPDATE statement
# a candidate price this far from its fee estimate's price is estimated again
FEE_TOLERANCE = Decimal("0.05")
SENT_STATES = ("pending", "confirmed")
PRO = "professional"
# the snapshots' values are the stored fields' (selections already valid):
# a million offers a run are set without the constructor's checks, unless
# the class has no instance dict (slots)
FAST_OFFERS = "__slots__" not in vars(CompetitorOffer)


def _dec(value):
    """An Odoo float as a Decimal (exact for what a user typed)."""
    return Decimal(str(value or 0))


def _cents(value):
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class DecimalCache(dict):
    """Decimal of a SQL text value, converted once per distinct value."""

    def __missing__(self, text):
        value = self[text] = Decimal(text)
        return value


class CentsCache(dict):
    """Decimal amount of a number of cents, converted once per value."""

    def __missing__(self, cents):
        value = self[cents] = Decimal(cents).scaleb(-2)
        return value


class OfferInputs:
    """Builds the engine's ``OfferInput`` of a rule's offers, in bulk."""

    def __init__(self, rule, now):
        self.rule = rule
        self.env = rule.env
        self.cr = rule.env.cr
        self.now = now
        self.company = rule.company_id
        self.decimals = DecimalCache()
        self.cents = CentsCache()

    # ------------------------------------------------------------------
    # offers
    # ------------------------------------------------------------------
    def offer_rows(self, offer_ids=None):
        """The rule's active offers as dicts (one query)."""
        self.env.flush_all()
        condition = SQL("o.repricing_rule_id = %s", self.rule.id)
        if offer_ids is not None:
            condition = SQL("%s AND o.id = ANY(%s)", condition, list(offer_ids))
        self.cr.execute(
            SQL(
                """
                SELECT o.id, o.backend_id, o.product_id, p.product_tmpl_id,
                       o.repricing_frozen,
                       COALESCE(
                           NULLIF(o.repricing_price, 0),
                           CASE WHEN o.price_state IN %(sent)s
                                THEN NULLIF(o.sent_price, 0) END,
                           NULLIF(o.mp_price, 0)
                       )::text,
                       o.repricing_date, o.stock_mode, o.fixed_quantity,
                       p.active AND t.active AND t.sale_ok, o.create_date,
                       t.categ_id, t.mp_msrp, o.repricing_floor::text,
                       o.repricing_ceiling::text, o.repricing_at_floor
                  FROM mp_offer_binding o
                  JOIN product_product p ON p.id = o.product_id
                  JOIN product_template t ON t.id = p.product_tmpl_id
                 WHERE %(condition)s AND o.active
                 ORDER BY o.id
                """,
                sent=SENT_STATES,
                condition=condition,
            )
        )
        keys = (
            "id backend_id product_id tmpl_id frozen price changed_at stock_mode "
            "fixed_quantity sellable created categ_id msrp floor ceiling at_floor"
        ).split()
        return [dict(zip(keys, row, strict=True)) for row in self.cr.fetchall()]

    # ------------------------------------------------------------------
    # competitors
    # ------------------------------------------------------------------
    def competitors(self, offer_ids, at=None):
        """{offer id: (CompetitorOffer, ...)} of the current snapshot rows
        (or the rows valid at ``at``), and {offer id: own shipping}."""
        if at is None:
            when = SQL("s.current")
        else:
            when = SQL(
                "s.date_from <= %s AND (s.date_to IS NULL OR s.date_to > %s)", at, at
            )
        self.env["mp.competitor.snapshot"].flush_model()
        self.cr.execute(
            SQL(
                """
                SELECT s.offer_id, s.seller, s.seller_id, s.seller_type,
                       round(s.price * 100)::bigint, round(s.shipping * 100)::bigint,
                       s.condition, s.fulfilment,
                       s.rating::numeric::text, s.rating_count, s.featured, s.own
                  FROM mp_competitor_snapshot s
                 WHERE s.offer_id = ANY(%s) AND %s
                """,
                list(offer_ids),
                when,
            )
        )
        return self._competitor_offers(self.cr.fetchall())

    def _competitor_offers(self, rows):
        decimals = self.decimals
        cents = self.cents
        new = object.__new__
        setattr_ = object.__setattr__
        by_offer = defaultdict(list)
        own_shipping = {}
        for (
            offer_id,
            seller,
            seller_id,
            seller_type,
            price,
            shipping,
            condition,
            fulfilment,
            rating,
            rating_count,
            featured,
            own,
        ) in rows:
            shipping = cents[shipping] if shipping is not None else ZERO
            if own:
                own_shipping[offer_id] = shipping
            values = {
                "seller": seller or "",
                "price": cents[price] if price is not None else ZERO,
                "shipping": shipping,
                "condition": condition or None,
                "seller_type": seller_type if seller_type in SELLER_TYPES else PRO,
                "rating": decimals[rating] if rating is not None else None,
                "rating_count": rating_count,
                "fulfilment": fulfilment if fulfilment in FULFILMENTS else None,
                "featured": bool(featured),
                "own": bool(own),
                "seller_id": seller_id or None,
                "currency": "EUR",
            }
            if FAST_OFFERS:
                offer = new(CompetitorOffer)
                setattr_(offer, "__dict__", values)
            else:
                offer = CompetitorOffer(**values)
            by_offer[offer_id].append(offer)
        return {key: tuple(value) for key, value in by_offer.items()}, own_shipping

    # ------------------------------------------------------------------
    # what does not move with the competitors: costs, ceiling, stock...
    # ------------------------------------------------------------------
    def statics(self, rows):
        """{offer id: dict(costs, ceiling, stock, last_sale_at,
        day_start_price, price, backend, fee_price)} of ``rows``
        (``offer_rows``); ``fee_price`` is the price of the fee estimate the
        commission comes from, if any."""
        by_backend = defaultdict(list)
        for row in rows:
            by_backend[row["backend_id"]].append(row)
        product_ids = list({row["product_id"] for row in rows})
        costs = self.product_costs(product_ids)
        day_start = self.day_start_prices([row["id"] for row in rows])
        result = {}
        Backend = self.env["mp.backend"].sudo().with_context(active_test=False)
        for backend_id, backend_rows in by_backend.items():
            backend = Backend.browse(backend_id)
            result.update(
                self._backend_statics(backend, backend_rows, costs, day_start)
            )
        return result

    def _backend_statics(self, backend, rows, costs, day_start):
        rule = self.rule
        values = OfferValues(backend)
        product_ids = list({row["product_id"] for row in rows})
        rate = self._rate(backend)
        vat = self.vat_rates(backend, values, product_ids)
        need_list = rule.ceiling_source == "list_price"
        priced = [row["product_id"] for row in rows if need_list or not row["price"]]
        list_prices = values.prices(list(set(priced))) if priced else {}
        free = values.free_quantities(product_ids)
        policy = values.stock_policy()
        commissions = self.commissions(backend, rows)
        fee_rates = {}
        if rule.commission_source == "fees_api":
            fee_rates = (
                self.env["mp.repricing.fee"]
                .sudo()
                ._latest_rates([row["id"] for row in rows])
            )
        last_sales = self.last_sales(backend, product_ids)
        settings = self._rule_costs()
        factor = _dec(rule.ceiling_factor)
        cost_cache = {}
        result = {}
        for row in rows:
            offer_id, product_id = row["id"], row["product_id"]
            vat_rate = vat.get(product_id, ZERO)
            cost = _cents(costs.get(product_id, ZERO) * rate)
            commission_rate, commission_fixed = commissions.get(
                product_id, (ZERO, ZERO)
            )
            fee_price = None
            if offer_id in fee_rates:
                commission_rate, commission_fixed, fee_price = fee_rates[offer_id]
            key = (cost, commission_rate, commission_fixed, vat_rate)
            offer_costs = cost_cache.get(key)
            if offer_costs is None:
                offer_costs = cost_cache[key] = Costs(
                    cost=cost,
                    commission_rate=commission_rate,
                    commission_fixed=commission_fixed,
                    vat_rate=vat_rate,
                    **settings,
                )
            source = rule.ceiling_source
            if source == "list_price":
                ceiling = list_prices.get(product_id)
            elif source == "msrp":
                ceiling = _dec(row["msrp"]) * rate if row["msrp"] else None
            else:
                ceiling = cost * factor * (ONE + vat_rate) if cost else None
            ceiling = _cents(ceiling) if ceiling else None
            price = row["price"]
            if price:
                price = self.decimals[price]
            else:
                price = list_prices.get(product_id)
                price = _cents(price) if price is not None else None
            stock = sellable_quantity(
                free.get(product_id, 0),
                policy,
                fixed=row["fixed_quantity"] if row["stock_mode"] == "fixed" else None,
                excluded=row["stock_mode"] == "excluded",
                sellable=bool(row["sellable"]),
            )
            result[offer_id] = {
                "costs": offer_costs,
                "ceiling": ceiling,
                "stock": stock,
                "last_sale_at": last_sales.get(product_id) or row["created"],
                "day_start_price": day_start.get(offer_id),
                "price": _cents(price) if price is not None else None,
                "backend": backend,
                "fee_price": fee_price,
            }
        return result

    def _rule_costs(self):
        rule = self.rule
        return {
            "fixed_fees": _dec(rule.fixed_fees),
            "shipping_cost": _dec(rule.shipping_cost),
            "payment_rate": _dec(rule.payment_percent) / HUNDRED,
            "payment_fixed": _dec(rule.payment_fixed),
            "margin_amount": _dec(rule.margin_amount),
            "margin_rate": _dec(rule.margin_percent) / HUNDRED,
        }

    def _rate(self, backend):
        """Company currency -> the account's currency."""
        company = self.company
        currency = backend.currency_id
        if not currency or currency == company.currency_id:
            return ONE
        return Decimal(
            str(
                company.currency_id._convert(
                    1.0, currency, company, fields.Date.today(), round=False
                )
            )
        )

    def product_costs(self, product_ids):
        """{product id: Decimal cost in the company's currency}: the
        product's cost, or the best valid supplier price when the rule says
        so (the product's cost when it has none)."""
        if not product_ids:
            return {}
        company = self.company
        self.env["product.product"].flush_model(["standard_price"])
        self.cr.execute(
            SQL(
                """
                SELECT id, standard_price->>%s FROM product_product
                 WHERE id = ANY(%s)
                """,
                str(company.id),
                product_ids,
            )
        )
        costs = {
            pid: Decimal(value) if value is not None else ZERO
            for pid, value in self.cr.fetchall()
        }
        if self.rule.cost_source == "supplier":
            costs.update(self.supplier_prices(product_ids))
        return costs

    def supplier_prices(self, product_ids):
        """{product id: Decimal}: the lowest valid supplier price, after the
        supplier's discount, per unit of the product's own unit of measure
        (a price per dozen bought is a twelfth per unit), among those whose
        minimum quantity (in the purchase unit) the rule's purchase quantity
        reaches, in the company's currency."""
        company = self.company
        self.env["product.supplierinfo"].flush_model()
        self.env["product.template"].flush_model(["uom_id", "uom_po_id"])
        today = fields.Date.context_today(self.rule)
        quantity = self.rule.supplier_quantity or 1.0
        self.cr.execute(
            SQL(
                """
                SELECT p.id,
                       s.price::numeric * (1 - COALESCE(s.discount, 0)::numeric / 100)
                       * po.factor / u.factor,
                       s.currency_id
                  FROM product_product p
                  JOIN product_template t ON t.id = p.product_tmpl_id
                  JOIN uom_uom u ON u.id = t.uom_id
                  JOIN uom_uom po ON po.id = COALESCE(t.uom_po_id, t.uom_id)
                  JOIN product_supplierinfo s
                    ON s.product_tmpl_id = p.product_tmpl_id
                   AND (s.product_id IS NULL OR s.product_id = p.id)
                 WHERE p.id = ANY(%s)
                   AND (s.company_id IS NULL OR s.company_id = %s)
                   AND (s.date_start IS NULL OR s.date_start <= %s)
                   AND (s.date_end IS NULL OR s.date_end >= %s)
                   AND s.price > 0 AND u.factor > 0 AND po.factor > 0
                   AND COALESCE(s.min_qty, 0)
                       <= %s::numeric / u.factor * po.factor + 0.000001
                """,
                product_ids,
                company.id,
                today,
                today,
                quantity,
            )
        )
        rates = {}
        best = {}
        Currency = self.env["res.currency"]
        for pid, price, currency_id in self.cr.fetchall():
            if currency_id not in rates:
                currency = Currency.browse(currency_id)
                rates[currency_id] = (
                    ONE
                    if not currency_id or currency == company.currency_id
                    else Decimal(
                        str(
                            currency._convert(
                                1.0, company.currency_id, company, today, round=False
                            )
                        )
                    )
                )
            value = _dec(price) * rates[currency_id]
            if pid not in best or value < best[pid]:
                best[pid] = value
        return best

    def vat_rates(self, backend, values, product_ids):
        """{product id: VAT rate (fraction)} of the product's sales taxes
        mapped through the account's fiscal position (included or excluded
        alike: the rate of the VAT in the tax-included price)."""
        taxes_of = values._product_taxes(product_ids)
        fpos = backend.fiscal_position_id
        Tax = self.env["account.tax"].sudo()
        rates = {}
        result = {}
        for product_id in product_ids:
            key = taxes_of.get(product_id, ())
            if key not in rates:
                taxes = fpos.map_tax(Tax.browse(key)) if key else Tax
                rates[key] = sum(
                    (
                        _dec(tax.amount) / HUNDRED
                        for tax in taxes.flatten_taxes_hierarchy()
                        if tax.amount_type == "percent"
                    ),
                    ZERO,
                )
            result[product_id] = rates[key]
        return result

    def commissions(self, backend, rows):
        """{product id: (rate, fixed)} of the rule's commission source."""
        rule = self.rule
        if rule.commission_source == "rate":
            value = (
                _dec(rule.commission_percent) / HUNDRED,
                _dec(rule.commission_fixed),
            )
            return {row["product_id"]: value for row in rows}
        Commission = self.env["mp.repricing.commission"].sudo()
        if not hasattr(Commission, "_commission_for"):
            return {}
        # the table depends on the category only: one product per category
        first_of = {}
        for row in rows:
            first_of.setdefault(row["categ_id"], row["product_id"])
        products = self.env["product.product"].sudo().browse(first_of.values())
        found = Commission._commission_for(backend, products)
        by_categ = {
            categ: found.get(pid, (ZERO, ZERO, "none"))[:2]
            for categ, pid in first_of.items()
        }
        return {row["product_id"]: by_categ[row["categ_id"]] for row in rows}

    def last_sales(self, backend, product_ids):
        """{product id: datetime of its last confirmed order on the account}."""
        if not product_ids:
            return {}
        self.env["sale.order"].flush_model(["mp_backend_id", "state", "date_order"])
        self.cr.execute(
            SQL(
                """
                SELECT l.product_id, max(o.date_order)
                  FROM sale_order_line l
                  JOIN sale_order o ON o.id = l.order_id
                 WHERE o.mp_backend_id = %s AND o.state = 'sale'
                   AND l.product_id = ANY(%s)
                 GROUP BY l.product_id
                """,
                backend.id,
                product_ids,
            )
        )
        return dict(self.cr.fetchall())

    def day_start_prices(self, offer_ids):
        """{offer id: the price before its first applied change of today}."""
        if not offer_ids:
            return {}
        start = datetime.combine(self.now.date(), datetime.min.time())
        self.env["mp.repricing.decision"].flush_model()
        self.cr.execute(
            SQL(
                """
                SELECT DISTINCT ON (d.offer_id) d.offer_id, d.old_price::text
                  FROM mp_repricing_decision d
                  JOIN mp_repricing_run r ON r.id = d.run_id
                 WHERE d.date >= %s AND d.state = 'applied' AND r.mode = 'live'
                   AND d.offer_id = ANY(%s)
                 ORDER BY d.offer_id, d.date, d.id
                """,
                start,
                list(offer_ids),
            )
        )
        return {offer_id: Decimal(price) for offer_id, price in self.cr.fetchall()}

    # ------------------------------------------------------------------
    # the engine's inputs
    # ------------------------------------------------------------------
    def inputs(self, rows, statics, competitors, own_shipping, shift=None):
        """The ``OfferInput`` of each row having a price (skipped: none)."""
        inputs = []
        floors = {}
        for row in rows:
            offer_id = row["id"]
            static = statics[offer_id]
            price = static["price"]
            if price is None:
                continue
            last_sale = static["last_sale_at"]
            last_change = row["changed_at"]
            if shift:
                last_sale = last_sale + shift if last_sale else None
                last_change = last_change + shift if last_change else None
            inputs.append(
                OfferInput(
                    key=offer_id,
                    current_price=price,
                    competitors=competitors.get(offer_id, ()),
                    costs=static["costs"],
                    ceiling=static["ceiling"],
                    stock=static["stock"],
                    last_sale_at=last_sale,
                    last_change_at=last_change,
                    day_start_price=static["day_start_price"],
                    frozen=bool(row["frozen"]),
                    own_shipping=own_shipping.get(offer_id, ZERO),
                    floor=self._floor(floors, static["costs"]),
                )
            )
        return inputs

    @staticmethod
    def _floor(cache, costs):
        """The floor of ``costs``, computed once per distinct costs (None:
        no price covers them, the engine says so)."""
        if costs in cache:
            return cache[costs]
        try:
            floor = floor_of(costs)
        except ValueError:
            floor = None
        cache[costs] = floor
        return floor


def local_shift(rule, now):
    """The offset from UTC to the rule's time zone at ``now`` (time windows
    are local hours), or None when the rule has no window."""
    if not rule.window_ids:
        return None
    tz_name = rule.user_id.tz or rule.env.user.tz or "UTC"
    try:
        tz = pytz.timezone(tz_name)
    except pytz.UnknownTimeZoneError:
        return None
    offset = pytz.utc.localize(now).astimezone(tz).utcoffset()
    return offset or None


class RepricingRun:
    """One run of ``rule`` (``mode``: live or simulation)."""

    def __init__(self, rule, mode="live"):
        rule.ensure_one()
        self.rule = in_company_lang(rule.sudo(), rule.company_id)
        self.env = self.rule.env
        self.mode = mode

    def run(self, offer_ids=None, now=None):
        rule = self.rule
        if not rule.active:
            return None
        started = time.perf_counter()
        now = now or fields.Datetime.now()
        simulate = self.mode == "simulation" or rule.simulation
        run = self.env["mp.repricing.run"].create(
            {
                "rule_id": rule.id,
                "company_id": rule.company_id.id,
                "date_start": now,
                "mode": "simulation" if simulate else "live",
            }
        )
        with gc_paused():  # the bulk of the run: see gc_paused
            builder = OfferInputs(rule, now)
            rows = builder.offer_rows(offer_ids)
            statics = builder.statics(rows)
            competitors, own_shipping = builder.competitors([row["id"] for row in rows])
            shift = local_shift(rule, now)
            inputs = builder.inputs(rows, statics, competitors, own_shipping, shift)
            engine_rule = rule._engine_rule()
            if simulate:
                engine_rule = replace(engine_rule, simulation=True)
            result = engine_run(engine_rule, inputs, now + shift if shift else now)
            writer = DecisionWriter(run, rows, statics)
            writer.store(result.decisions, now)
            applied = []
            if self.mode == "live":
                applied = writer.update_offers(result.decisions, now, simulate)
                if applied:
                    self.env["mp.offer.dirty"]._mark_offers(applied)
            if self.mode == "live" and rule.commission_source == "fees_api":
                self._reestimate_fees(result.decisions, statics)
        stats = result.stats
        run.write(
            {
                "state": "done",
                "date_end": fields.Datetime.now(),
                "offer_count": len(result.decisions),
                "changed_count": sum(1 for d in result.decisions if d.changed),
                "applied_count": stats.get("applied", 0),
                "simulated_count": stats.get("simulated", 0),
                "blocked_count": stats.get("blocked", 0),
                "war_blocked": result.war_blocked,
                "duration": time.perf_counter() - started,
                "note": self._note(rows, inputs),
            }
        )
        run.flush_recordset()
        if result.war_blocked:
            self._alert_war(run, stats)
        rule.invalidate_recordset()
        return run

    def _reestimate_fees(self, decisions, statics):
        """Queue the fee estimates at the candidate prices: a decision that
        moves the price more than ``FEE_TOLERANCE`` away from the price its
        fee estimate was made at (or that had none) gets an estimate at its
        new price, so that the next run's floor stands on the fees at that
        price (a referral fee with tiers or a minimum, a category change)."""
        moving = ("applied", "simulated")
        by_backend = {}
        for decision in decisions:
            if decision.state not in moving or decision.new_price == decision.old_price:
                continue
            static = statics.get(decision.key)
            if static is None:
                continue
            asked = static.get("fee_price")
            new = decision.new_price
            if asked and abs(new - asked) <= asked * FEE_TOLERANCE:
                continue
            by_backend.setdefault(static["backend"], {})[decision.key] = new
        for backend, prices in by_backend.items():
            try:
                capable = backend._has_capability("fees")
            except Exception:  # noqa: BLE001 - an account without connector
                capable = False
            if not capable:
                continue
            offers = self.env["mp.offer.binding"].browse(sorted(prices))
            backend._schedule_fee_estimates(offers, prices)

    def _note(self, rows, inputs):
        skipped = len(rows) - len(inputs)
        if not skipped:
            return False
        return self.env._(
            "%(count)s offers without any price (none applied, pushed or read on "
            "the marketplace, no list price) were skipped.",
            count=skipped,
        )

    def _alert_war(self, run, stats):
        rule = self.rule
        message = self.env._(
            "Price war suspected: %(drops)s of %(offers)s offers would have dropped "
            "sharply in the run of %(date)s; those drops were blocked.",
            drops=stats.get("sharp_drops", 0),
            offers=stats.get("offers", 0),
            date=fields.Datetime.to_string(run.date_start),
        )
        rule.message_post(body=message)
        activity_type = self.env.ref(
            "mp_repricing.mail_activity_type_price_war", raise_if_not_found=False
        )
        open_alert = rule.activity_ids.filtered(
            lambda a: a.activity_type_id == activity_type
        )
        if activity_type and not open_alert:  # one alert until it is done
            rule.activity_schedule(
                activity_type_id=activity_type.id,
                summary=self.env._("Price war suspected"),
                note=message,
                user_id=(rule.user_id or self.env.user).id,
            )


def _copy_text(value):
    """``value`` in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    if isinstance(value, datetime):
        return value.isoformat(" ")
    return str(value)


class DecisionWriter:
    """Writes a run's decisions and their effect on the offers, in bulk."""

    COLUMNS = (
        ("run_id", "int"),
        ("rule_id", "int"),
        ("offer_id", "int"),
        ("backend_id", "int"),
        ("product_id", "int"),
        ("company_id", "int"),
        ("currency_id", "int"),
        ("date", "timestamp"),
        ("old_price", "numeric"),
        ("new_price", "numeric"),
        ("change", "numeric"),
        ("change_percent", "float8"),
        ("changed", "bool"),
        ("state", "varchar"),
        ("reason", "varchar"),
        ("explanation", "text"),
        ("target_seller", "varchar"),
        ("target_price", "numeric"),
        ("floor_price", "numeric"),
        ("ceiling_price", "numeric"),
    )

    def __init__(self, run, rows, statics):
        self.run = run
        self.env = run.env
        self.cr = run.env.cr
        self.rows = {row["id"]: row for row in rows}
        self.statics = statics
        self.renderer = Renderer(translated_templates(self.env))
        self.run_id, self.rule_id = run.id, run.rule_id.id
        self.company_id = run.company_id.id
        backends = {static["backend"] for static in statics.values()}
        self.currencies = {backend.id: backend.currency_id.id for backend in backends}

    def values(self, decision, date):
        """The column values of ``decision``, in ``COLUMNS`` order."""
        row = self.rows[decision.key]
        old, new = decision.old_price, decision.new_price
        change = new - old
        target = decision.target
        return (
            self.run_id,
            self.rule_id,
            decision.key,
            row["backend_id"],
            row["product_id"],
            self.company_id,
            self.currencies[row["backend_id"]],
            date,
            old,
            new,
            change,
            float(change / old * HUNDRED) if old else 0.0,
            change != 0,
            decision.state,
            decision.reason,
            self.renderer.render(decision.explanation),
            (target.seller or target.seller_id) if target else None,
            target.landed if target else None,
            decision.floor.price if decision.floor else None,
            decision.ceiling,
        )

    def store(self, decisions, date, dates=None):
        """Insert the decisions (``dates``: one per decision, else
        ``date``) with COPY, under ids taken from the sequence first; their
        ids in order."""
        if not decisions:
            return []
        self.cr.execute(
            SQL(
                "SELECT nextval('mp_repricing_decision_id_seq') "
                "FROM generate_series(1, %s)",
                len(decisions),
            )
        )
        ids = [row[0] for row in self.cr.fetchall()]
        uid = str(self.env.uid)
        stamp = _copy_text(fields.Datetime.now())
        tail = "\t".join((uid, uid, stamp, stamp))
        columns = ", ".join(
            ["id", *(name for name, _type in self.COLUMNS)]
            + ["create_uid", "write_uid", "create_date", "write_date"]
        )
        for start in range(0, len(decisions), CHUNK):
            buffer = io.StringIO()
            write = buffer.write
            for position in range(start, min(start + CHUNK, len(decisions))):
                when = dates[position] if dates else date
                values = self.values(decisions[position], when)
                write(str(ids[position]))
                write("\t")
                write("\t".join(map(_copy_text, values)))
                write("\t")
                write(tail)
                write("\n")
            buffer.seek(0)
            self.cr.copy_expert(
                f"COPY mp_repricing_decision ({columns}) FROM STDIN", buffer
            )
        self.env["mp.repricing.decision"].invalidate_model()
        return ids

    def update_offers(self, decisions, now, simulate):
        """Floor, ceiling and "at floor" of the offers where they changed;
        the price of those whose applied price changed (returned: their
        ids, to export). Offers with nothing new are not written."""
        applied = []
        updates = []
        decimals = DecimalCache()
        for decision in decisions:
            row = self.rows[decision.key]
            floor = decision.floor.price if decision.floor else None
            at_floor = floor is not None and decision.new_price <= floor
            apply = not simulate and decision.state == "applied" and decision.changed
            if apply:
                applied.append(decision.key)
            elif (
                at_floor == bool(row["at_floor"])
                and floor == (decimals[row["floor"]] if row["floor"] else None)
                and decision.ceiling
                == (decimals[row["ceiling"]] if row["ceiling"] else None)
            ):
                continue
            updates.append(
                (
                    decision.key,
                    floor,
                    decision.ceiling,
                    at_floor,
                    decision.new_price if apply else None,
                )
            )
        for start in range(0, len(updates), CHUNK):
            chunk = updates[start : start + CHUNK]
            columns = list(zip(*chunk, strict=True))
            self.cr.execute(
                SQL(
                    """
                    UPDATE mp_offer_binding o
                       SET repricing_floor = v.floor,
                           repricing_ceiling = v.ceiling,
                           repricing_at_floor = v.at_floor,
                           repricing_price = COALESCE(v.price, o.repricing_price),
                           repricing_date = CASE WHEN v.price IS NULL
                                THEN o.repricing_date ELSE %s END
                      FROM unnest(%s::int[], %s::numeric[], %s::numeric[],
                                  %s::bool[], %s::numeric[])
                           AS v(id, floor, ceiling, at_floor, price)
                     WHERE o.id = v.id
                    """,
                    now,
                    *(list(column) for column in columns),
                )
            )
        self.env["mp.offer.binding"].invalidate_model(
            [
                "repricing_floor",
                "repricing_ceiling",
                "repricing_at_floor",
                "repricing_price",
                "repricing_date",
                "last_decision_id",
            ]
        )
        return applied
