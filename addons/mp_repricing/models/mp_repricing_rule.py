from datetime import time, timedelta
from decimal import Decimal

from mphub.repricing.model import (
    Conditions,
    Fallbacks,
    Filters,
    Guards,
    Rule,
    Strategy,
)

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

WEEKDAYS = [
    ("0", "Monday"),
    ("1", "Tuesday"),
    ("2", "Wednesday"),
    ("3", "Thursday"),
    ("4", "Friday"),
    ("5", "Saturday"),
    ("6", "Sunday"),
]

# fields holding a percent, checked within 0..100
PERCENT_FIELDS = (
    "beat_percent",
    "commission_percent",
    "payment_percent",
    "margin_percent",
    "max_change_run_percent",
    "max_change_day_percent",
    "war_share_percent",
    "war_drop_percent",
    "low_stock_raise_percent",
    "sleeping_drop_percent",
)


def _decimal(value):
    """An Odoo float as an exact Decimal."""
    return Decimal(str(value or 0))


def _or_none(value):
    """A Decimal of ``value``, or None for 0 (0 in a guard = no guard)."""
    return _decimal(value) if value else None


def _lines(text):
    """The non-empty lines of a Text field, stripped, as a tuple."""
    return tuple(line.strip() for line in (text or "").splitlines() if line.strip())


def _float_time(hours):
    """A float_time value (9.5 = 09:30) as a ``time``; 24.0 is the end of
    the day (23:59:59.999999)."""
    if hours >= 24:
        return time.max
    minutes = round(hours * 60)
    return time(minutes // 60, minutes % 60)


class MpRepricingRule(models.Model):
    _name = "mp.repricing.rule"
    _description = "Repricing Rule"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(
        default=10,
        help="Rules are tried in this order: the first active rule whose scope "
        "matches an offer owns it.",
    )
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        tracking=True,
        help="Receives the price-war alert when the rule stops a run.",
    )
    simulation = fields.Boolean(
        default=True,
        tracking=True,
        help="A rule in simulation writes its decisions without changing any "
        "price. A new rule only simulates until a manager turns this off.",
    )

    # scope
    backend_ids = fields.Many2many(
        "mp.backend",
        string="Accounts",
        check_company=True,
        help="The marketplace accounts the rule prices. Empty: every account of "
        "the company.",
    )
    product_domain = fields.Char(
        string="Products",
        default="[]",
        help="The products the rule prices (a domain on product variants). "
        "Empty: every product.",
    )

    # strategy
    strategy = fields.Selection(
        [
            ("beat_lowest", "Beat the lowest"),
            ("match_lowest", "Match the lowest"),
            ("buy_box", "Target the buy box"),
            ("rank", "Hold a rank"),
            ("ceiling", "Stay at the ceiling"),
        ],
        required=True,
        default="beat_lowest",
        tracking=True,
        help="Beat the lowest competing offer, match it, beat the featured (buy "
        "box) offer, hold a rank among the competitors, or stay at the ceiling.",
    )
    beat_type = fields.Selection(
        [("amount", "By an amount"), ("percent", "By a percent")],
        string="Beat By",
        required=True,
        default="amount",
        help="Undercut the competitor by a fixed amount or by a percent of its price.",
    )
    beat_amount = fields.Float(
        default=0.01,
        digits="Product Price",
        help="How much below the targeted competitor the price goes.",
    )
    beat_percent = fields.Float(
        default=1.0,
        help="How many percent below the targeted competitor the price goes.",
    )
    rank = fields.Integer(
        default=1,
        help="The rank to hold among the competing offers (1 = the cheapest).",
    )
    compare = fields.Selection(
        [("landed", "Price and shipping"), ("price", "Price only")],
        string="Compare On",
        required=True,
        default="landed",
        help="Compare the competitors' landed price (price plus shipping) or "
        "their price alone.",
    )

    # competitor filters
    filter_fulfilment = fields.Selection(
        [
            ("any", "Any offer"),
            ("merchant", "Seller-fulfilled"),
            ("marketplace", "Marketplace-fulfilled"),
        ],
        string="Fulfilment",
        required=True,
        default="any",
        help="Only compete with the offers of this fulfilment type.",
    )
    filter_conditions = fields.Char(
        string="Conditions",
        help="Comma-separated condition codes of the marketplace (e.g. new, "
        "11): only offers in these conditions compete. Empty: every condition.",
    )
    min_rating = fields.Float(
        string="Minimum Rating",
        help="Ignore the sellers rated below this (the marketplace's scale). 0: "
        "no minimum.",
    )
    min_rating_count = fields.Integer(
        string="Minimum Rating Count",
        help="Ignore the sellers with fewer ratings than this. 0: no minimum.",
    )
    include_sellers = fields.Text(
        help="Only compete with these sellers (one name or id a line). Empty: "
        "every seller.",
    )
    exclude_sellers = fields.Text(
        help="Never compete with these sellers (one name or id a line).",
    )
    ignore_own = fields.Boolean(
        string="Ignore Own Offers",
        default=True,
        help="Ignore the account's own offer and those of the seller's other "
        "accounts listed below.",
    )
    own_seller_names = fields.Text(
        help="The seller's names or ids on the marketplaces (one a line): the "
        "offers of its other accounts are ignored too.",
    )

    # fallbacks
    no_competitor = fields.Selection(
        [
            ("ceiling", "Go to the ceiling"),
            ("hold", "Hold the price"),
            ("floor", "Go to the floor"),
        ],
        required=True,
        default="ceiling",
        help="What to do when no competing offer is left after the filters.",
    )
    all_below_floor = fields.Selection(
        [
            ("floor", "Go to the floor"),
            ("hold", "Hold the price"),
            ("ceiling", "Go to the ceiling"),
        ],
        string="Every Competitor Below the Floor",
        required=True,
        default="floor",
        help="What to do when every competing offer is cheaper than the floor.",
    )
    already_best = fields.Selection(
        [
            ("hold", "Hold the price"),
            ("raise_to_next", "Raise to just under the next"),
        ],
        string="Already the Best",
        required=True,
        default="hold",
        help="What to do when the own offer is already the best one.",
    )

    # costs (the floor)
    cost_source = fields.Selection(
        [("standard_price", "Product cost"), ("supplier", "Best supplier price")],
        string="Cost",
        required=True,
        default="standard_price",
        help="The product's cost, or the best valid price of its suppliers.",
    )
    supplier_quantity = fields.Float(
        string="Purchase Quantity",
        default=1.0,
        digits="Product Unit of Measure",
        help="How many units of the product are bought at a time, in its own "
        "unit of measure. Supplier prices asking a higher minimum quantity are "
        "left out; the others are converted from the purchase unit of measure "
        "to the product's unit.",
    )
    commission_source = fields.Selection(
        [
            ("auto", "Commission table, else the orders"),
            ("rate", "The rule's rate"),
            ("fees_api", "Marketplace fee estimate"),
        ],
        string="Commission",
        required=True,
        default="auto",
        help="Auto: the commission table by account and category, else what "
        "the account's imported orders paid. Rate: the rule's rate below. Fee "
        "estimate: the marketplace's estimate (Amazon Product Fees), else auto.",
    )
    commission_percent = fields.Float(
        string="Commission (%)",
        help="The commission's percent of the tax-included price (with the "
        "rule's rate).",
    )
    commission_fixed = fields.Float(
        string="Commission (fixed)",
        digits="Product Price",
        help="A fixed commission per unit sold (with the rule's rate).",
    )
    fixed_fees = fields.Float(
        digits="Product Price",
        help="Other fees per unit sold (packaging, handling), excluding tax.",
    )
    shipping_cost = fields.Float(
        digits="Product Price",
        help="What shipping one unit costs the seller, excluding tax.",
    )
    payment_percent = fields.Float(
        string="Payment Fees (%)",
        help="Payment fees in percent of the tax-included price.",
    )
    payment_fixed = fields.Float(
        string="Payment Fees (fixed)",
        digits="Product Price",
        help="Fixed payment fees per unit sold.",
    )
    margin_amount = fields.Float(
        string="Minimum Margin",
        digits="Product Price",
        help="The smallest margin per unit the price must leave.",
    )
    margin_percent = fields.Float(
        string="Minimum Margin (% of cost)",
        help="The smallest margin in percent of the cost; the larger of the "
        "two minimums applies.",
    )

    # ceiling
    ceiling_source = fields.Selection(
        [
            ("list_price", "Sales price"),
            ("msrp", "Recommended retail price"),
            ("cost_factor", "A factor of the cost"),
        ],
        string="Ceiling",
        required=True,
        default="list_price",
        help="The highest price allowed: the product's sales price (tax "
        "included), its recommended retail price, or its cost times a factor "
        "(tax included).",
    )
    ceiling_factor = fields.Float(
        default=2.0,
        help="The ceiling as a multiple of the cost (with the cost factor).",
    )

    # guards
    max_change_run_amount = fields.Float(
        string="Maximum Change per Run",
        digits="Product Price",
        help="A run moves a price by at most this amount. 0: no limit.",
    )
    max_change_run_percent = fields.Float(
        string="Maximum Change per Run (%)",
        help="A run moves a price by at most this percent. 0: no limit.",
    )
    max_change_day_percent = fields.Float(
        string="Maximum Change per Day (%)",
        help="A price moves by at most this percent of its price at the start "
        "of the day. 0: no limit.",
    )
    min_interval_minutes = fields.Integer(
        string="Minimum Interval (minutes)",
        help="Leave a price unchanged for at least this long after a change. "
        "0: no minimum.",
    )
    war_share_percent = fields.Float(
        string="Price War Share (%)",
        default=30.0,
        help="Stop the run and alert the responsible when more than this share "
        "of the rule's offers would drop sharply (a price war or bad data). "
        "0: never stop.",
    )
    war_drop_percent = fields.Float(
        string="Sharp Drop (%)",
        default=10.0,
        help="A drop of at least this percent counts as sharp for the price war guard.",
    )

    # conditions
    low_stock = fields.Integer(
        help="Raise the price when the free stock is at or below this. 0: off.",
    )
    low_stock_raise_percent = fields.Float(
        string="Low Stock Raise (%)",
        help="How many percent the price rises on low stock.",
    )
    sleeping_days = fields.Integer(
        help="Lower the price when the product has not sold on the account for "
        "this many days. 0: off.",
    )
    sleeping_drop_percent = fields.Float(
        string="Sleeping Drop (%)",
        help="How many percent the price drops when the product sleeps.",
    )
    window_ids = fields.One2many(
        "mp.repricing.rule.window",
        "rule_id",
        string="Time Windows",
        copy=True,
        help="When the rule may change prices (company's time). Empty: at any time.",
    )

    # KPIs (computed by SQL, not stored)
    offer_count = fields.Integer(string="Offers", compute="_compute_kpis")
    buy_box_count = fields.Integer(string="Buy Boxes", compute="_compute_kpis")
    buy_box_share = fields.Float(
        string="Buy-Box Share (%)",
        compute="_compute_kpis",
        aggregator="avg",
    )
    at_floor_count = fields.Integer(string="At Floor", compute="_compute_kpis")
    last_run_id = fields.Many2one("mp.repricing.run", compute="_compute_kpis")
    last_run_date = fields.Datetime(compute="_compute_kpis")
    decision_count = fields.Integer(string="Decisions", compute="_compute_kpis")
    war_alert = fields.Boolean(
        string="Price War Alert",
        compute="_compute_kpis",
        help="The last run was stopped by the price war guard.",
    )

    # ------------------------------------------------------------------ KPIs

    def _table_columns(self, table):
        """The columns of ``table`` (empty when the table does not exist)."""
        self.env.cr.execute(
            SQL(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = %s AND table_schema = current_schema()",
                table,
            )
        )
        return {row[0] for row in self.env.cr.fetchall()}

    def _kpi_offers(self, ids):
        columns = self._table_columns("mp_offer_binding")
        if "repricing_rule_id" not in columns:
            return {}
        buy_box = (
            SQL("count(*) FILTER (WHERE repricing_buy_box)")
            if "repricing_buy_box" in columns
            else SQL("0")
        )
        at_floor = (
            SQL("count(*) FILTER (WHERE repricing_at_floor)")
            if "repricing_at_floor" in columns
            else SQL("0")
        )
        active = SQL("AND active") if "active" in columns else SQL("")
        self.env.cr.execute(
            SQL(
                "SELECT repricing_rule_id, count(*), %s, %s FROM mp_offer_binding "
                "WHERE repricing_rule_id = ANY(%s) %s GROUP BY repricing_rule_id",
                buy_box,
                at_floor,
                ids,
                active,
            )
        )
        return {row[0]: row[1:] for row in self.env.cr.fetchall()}

    def _kpi_runs(self, ids):
        columns = self._table_columns("mp_repricing_run")
        if "rule_id" not in columns:
            return {}
        war = SQL("war_blocked") if "war_blocked" in columns else SQL("false")
        date = SQL("date_start") if "date_start" in columns else SQL("create_date")
        mode = SQL("AND mode != 'replay'") if "mode" in columns else SQL("")
        self.env.cr.execute(
            SQL(
                "SELECT DISTINCT ON (rule_id) rule_id, id, %s, %s "
                "FROM mp_repricing_run WHERE rule_id = ANY(%s) %s "
                "ORDER BY rule_id, %s DESC NULLS LAST, id DESC",
                date,
                war,
                ids,
                mode,
                date,
            )
        )
        return {row[0]: row[1:] for row in self.env.cr.fetchall()}

    def _kpi_decisions(self, ids):
        if "rule_id" not in self._table_columns("mp_repricing_decision"):
            return {}
        self.env.cr.execute(
            SQL(
                "SELECT rule_id, count(*) FROM mp_repricing_decision "
                "WHERE rule_id = ANY(%s) GROUP BY rule_id",
                ids,
            )
        )
        return dict(self.env.cr.fetchall())

    def _compute_kpis(self):
        ids = [rule_id for rule_id in self.ids if isinstance(rule_id, int)]
        offers = self._kpi_offers(ids) if ids else {}
        runs = self._kpi_runs(ids) if ids else {}
        decisions = self._kpi_decisions(ids) if ids else {}
        Run = self.env["mp.repricing.run"]
        for rule in self:
            count, buy_box, at_floor = offers.get(rule._origin.id, (0, 0, 0))
            rule.offer_count = count
            rule.buy_box_count = buy_box
            rule.buy_box_share = round(100.0 * buy_box / count, 1) if count else 0.0
            rule.at_floor_count = at_floor
            run_id, run_date, war = runs.get(rule._origin.id, (False, False, False))
            rule.last_run_id = Run.browse(run_id) if run_id else Run
            rule.last_run_date = run_date
            rule.war_alert = bool(war)
            rule.decision_count = decisions.get(rule._origin.id, 0)

    # ----------------------------------------------------------- constraints

    @api.constrains(*PERCENT_FIELDS)
    def _check_percents(self):
        for rule in self:
            for name in PERCENT_FIELDS:
                if not 0 <= rule[name] <= 100:
                    raise ValidationError(
                        self.env._(
                            "%(field)s of the rule %(rule)s must be between 0 and 100.",
                            field=self._fields[name].get_description(self.env)[
                                "string"
                            ],
                            rule=rule.name,
                        )
                    )

    @api.constrains(
        "beat_amount",
        "rank",
        "commission_fixed",
        "fixed_fees",
        "shipping_cost",
        "payment_fixed",
        "margin_amount",
        "max_change_run_amount",
        "min_interval_minutes",
        "low_stock",
        "sleeping_days",
        "ceiling_factor",
    )
    def _check_amounts(self):
        for rule in self:
            if rule.beat_amount < 0:
                raise ValidationError(
                    self.env._("The amount to beat by cannot be negative.")
                )
            if rule.rank < 1:
                raise ValidationError(self.env._("The rank to hold starts at 1."))
            negative = [
                name
                for name in (
                    "commission_fixed",
                    "fixed_fees",
                    "shipping_cost",
                    "payment_fixed",
                    "margin_amount",
                    "max_change_run_amount",
                    "min_interval_minutes",
                    "low_stock",
                    "sleeping_days",
                    "ceiling_factor",
                )
                if rule[name] < 0
            ]
            if negative:
                raise ValidationError(
                    self.env._(
                        "%(field)s of the rule %(rule)s cannot be negative.",
                        field=self._fields[negative[0]].get_description(self.env)[
                            "string"
                        ],
                        rule=rule.name,
                    )
                )

    # -------------------------------------------------------------- actions

    def _offers_action(self, domain, title):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "mp_connector_base.mp_offer_binding_action"
        )
        action["domain"] = [("repricing_rule_id", "=", self.id), *domain]
        action["context"] = {"create": False}
        action["display_name"] = title
        return action

    def action_view_offers(self):
        """The offers the rule owns."""
        self.ensure_one()
        return self._offers_action([], self.env._("Offers of %s", self.name))

    def action_view_buy_box_offers(self):
        """The rule's offers holding the buy box (or featured place)."""
        self.ensure_one()
        return self._offers_action(
            [("repricing_buy_box", "=", True)],
            self.env._("Buy boxes of %s", self.name),
        )

    def action_view_floor_offers(self):
        """The rule's offers held at their floor."""
        self.ensure_one()
        return self._offers_action(
            [("repricing_at_floor", "=", True)],
            self.env._("Offers at their floor of %s", self.name),
        )

    def action_view_rule_decisions(self):
        """Every decision of the rule's runs."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "mp_repricing.action_mp_repricing_decision"
        )
        action["domain"] = [("rule_id", "=", self.id)]
        action["display_name"] = self.env._("Decisions of %s", self.name)
        return action

    # ------------------------------------------------------------- business

    def _engine_filters(self):
        self.ensure_one()
        conditions = tuple(
            code.strip()
            for code in (self.filter_conditions or "").split(",")
            if code.strip()
        )
        fulfilments = (
            None if self.filter_fulfilment == "any" else (self.filter_fulfilment,)
        )
        return Filters(
            fulfilments=fulfilments,
            conditions=conditions or None,
            min_rating=_or_none(self.min_rating),
            min_rating_count=self.min_rating_count or None,
            include_sellers=_lines(self.include_sellers),
            exclude_sellers=_lines(self.exclude_sellers),
            ignore_own=self.ignore_own,
            own_sellers=_lines(self.own_seller_names),
        )

    def _engine_rule(self):
        """The rule as the engine's ``mphub.repricing.Rule``."""
        self.ensure_one()
        by_amount = self.beat_type == "amount"
        strategy = Strategy(
            kind=self.strategy,
            amount=_decimal(self.beat_amount) if by_amount else None,
            percent=None if by_amount else _decimal(self.beat_percent),
            rank=self.rank,
            compare=self.compare,
        )
        fallbacks = Fallbacks(
            no_competitor=self.no_competitor,
            all_below_floor=self.all_below_floor,
            already_best=self.already_best,
        )
        guards = Guards(
            max_change_run_amount=_or_none(self.max_change_run_amount),
            max_change_run_percent=_or_none(self.max_change_run_percent),
            max_change_day_percent=_or_none(self.max_change_day_percent),
            min_interval=(
                timedelta(minutes=self.min_interval_minutes)
                if self.min_interval_minutes
                else None
            ),
            # 0 = no such guard: a share above 100 % is never reached
            war_share=(
                _decimal(self.war_share_percent) / 100
                if self.war_share_percent and self.war_drop_percent
                else Decimal(2)
            ),
            war_drop_percent=_decimal(self.war_drop_percent),
        )
        conditions = Conditions(
            low_stock=self.low_stock or None,
            low_stock_raise_percent=_decimal(self.low_stock_raise_percent),
            sleeping_days=self.sleeping_days or None,
            sleeping_drop_percent=_decimal(self.sleeping_drop_percent),
            windows=tuple(window._engine_window() for window in self.window_ids),
        )
        return Rule(
            id=self.id,
            name=self.name,
            strategy=strategy,
            filters=self._engine_filters(),
            fallbacks=fallbacks,
            guards=guards,
            conditions=conditions,
            simulation=self.simulation,
        )


class MpRepricingRuleWindow(models.Model):
    _name = "mp.repricing.rule.window"
    _description = "Repricing Rule Time Window"
    _order = "rule_id, weekday, hour_from"

    rule_id = fields.Many2one(
        "mp.repricing.rule", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="rule_id.company_id", store=True)
    weekday = fields.Selection(WEEKDAYS, required=True, default="0")
    hour_from = fields.Float(
        string="From", required=True, default=0.0, help="Start of the window."
    )
    hour_to = fields.Float(
        string="To", required=True, default=24.0, help="End of the window (excluded)."
    )

    @api.constrains("hour_from", "hour_to")
    def _check_hours(self):
        for window in self:
            if not (0 <= window.hour_from < window.hour_to <= 24):
                raise ValidationError(
                    self.env._(
                        "A time window runs from 00:00 to 24:00 and ends after "
                        "it starts."
                    )
                )

    def _engine_window(self):
        """The window as the engine takes it: ((weekday,), start, end)."""
        self.ensure_one()
        return (
            (int(self.weekday),),
            _float_time(self.hour_from),
            _float_time(self.hour_to),
        )


class MpRepricingRuleKpi(models.Model):
    """The rules' offer KPIs as an SQL view, for the dashboard's graph (the
    rule's own KPI fields are computed, so they cannot be grouped)."""

    _name = "mp.repricing.rule.kpi"
    _description = "Repricing Rule KPIs"
    _auto = False
    _order = "rule_id"
    _rec_name = "rule_id"

    rule_id = fields.Many2one("mp.repricing.rule", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    simulation = fields.Boolean(readonly=True)
    offer_count = fields.Integer(string="Offers", readonly=True)
    buy_box_count = fields.Integer(string="Buy Boxes", readonly=True)
    at_floor_count = fields.Integer(string="At Floor", readonly=True)
    buy_box_share = fields.Float(
        string="Buy-Box Share (%)", aggregator="avg", readonly=True
    )

    def init(self):
        self._create_view()

    @api.model
    def _create_view(self):
        """(Re)create the view. The offer columns come from other files of
        the module, initialised after this model on the first install: until
        they exist the counts are 0, and the dashboard's data file calls this
        again once they do."""
        columns = self.env["mp.repricing.rule"]._table_columns("mp_offer_binding")
        if "repricing_rule_id" in columns:
            buy_box = (
                SQL("o.repricing_buy_box")
                if "repricing_buy_box" in columns
                else SQL("false")
            )
            at_floor = (
                SQL("o.repricing_at_floor")
                if "repricing_at_floor" in columns
                else SQL("false")
            )
            active = SQL("AND o.active") if "active" in columns else SQL("")
            offers = SQL(
                "SELECT o.repricing_rule_id AS rule_id, count(*) AS offers, "
                "count(*) FILTER (WHERE %s) AS buy_box, "
                "count(*) FILTER (WHERE %s) AS at_floor "
                "FROM mp_offer_binding o WHERE o.repricing_rule_id IS NOT NULL %s "
                "GROUP BY o.repricing_rule_id",
                buy_box,
                at_floor,
                active,
            )
        else:
            offers = SQL(
                "SELECT NULL::integer AS rule_id, 0::bigint AS offers, "
                "0::bigint AS buy_box, 0::bigint AS at_floor WHERE false"
            )
        self.env.cr.execute(SQL("DROP VIEW IF EXISTS %s", SQL.identifier(self._table)))
        self.env.cr.execute(
            SQL(
                "CREATE VIEW %s AS SELECT r.id AS id, r.id AS rule_id, "
                "r.company_id, r.simulation, "
                "coalesce(k.offers, 0)::integer AS offer_count, "
                "coalesce(k.buy_box, 0)::integer AS buy_box_count, "
                "coalesce(k.at_floor, 0)::integer AS at_floor_count, "
                "CASE WHEN coalesce(k.offers, 0) > 0 "
                "THEN round(100.0 * k.buy_box / k.offers, 1) ELSE 0 END::float "
                "AS buy_box_share "
                "FROM mp_repricing_rule r LEFT JOIN (%s) k ON k.rule_id = r.id "
                "WHERE r.active",
                SQL.identifier(self._table),
                offers,
            )
        )
