"""Rules, their engine form, their constraints and KPIs; commissions."""

from datetime import time, timedelta
from decimal import Decimal

from mphub.repricing.model import Rule
from psycopg2 import IntegrityError

from odoo import Command, fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.mp_connector_base.tests.fake_common import FakeConnectorCase


@tagged("post_install", "-at_install")
class TestRules(FakeConnectorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Rule = cls.env["mp.repricing.rule"]
        cls.Commission = cls.env["mp.repricing.commission"]
        cls.other_backend = cls.create_fake_backend("Fake other")
        Category = cls.env["product.category"]
        cls.categ_root = Category.create({"name": "Repricing root"})
        cls.categ_mid = Category.create(
            {"name": "Repricing mid", "parent_id": cls.categ_root.id}
        )
        cls.categ_leaf = Category.create(
            {"name": "Repricing leaf", "parent_id": cls.categ_mid.id}
        )
        cls.categ_other = Category.create({"name": "Repricing other"})
        cls.red = cls.product["FK-RED"]
        cls.blue = cls.product["FK-BLUE"]
        cls.book = cls.product["FK-BOOK"]
        cls.red.categ_id = cls.categ_leaf
        cls.blue.categ_id = cls.categ_mid
        cls.book.categ_id = cls.categ_other

    def _rule(self, **values):
        return self.Rule.create({"name": "Test rule", **values})

    # ------------------------------------------------------------ defaults

    def test_defaults(self):
        rule = self._rule()
        self.assertTrue(rule.simulation, "a new rule only simulates")
        self.assertEqual(rule.user_id, self.env.user)
        self.assertEqual(rule.company_id, self.env.company)
        self.assertEqual(rule.strategy, "beat_lowest")
        self.assertEqual(rule.product_domain, "[]")

    # ---------------------------------------------------------- engine rule

    def test_engine_rule_defaults(self):
        rule = self._rule()
        engine = rule._engine_rule()
        self.assertIsInstance(engine, Rule)
        self.assertEqual(engine.id, rule.id)
        self.assertEqual(engine.name, "Test rule")
        self.assertTrue(engine.simulation)
        self.assertEqual(engine.strategy.kind, "beat_lowest")
        self.assertEqual(engine.strategy.amount, Decimal("0.01"))
        self.assertIsNone(engine.strategy.percent)
        self.assertEqual(engine.strategy.compare, "landed")
        self.assertIsNone(engine.filters.fulfilments)
        self.assertIsNone(engine.filters.conditions)
        self.assertIsNone(engine.filters.min_rating)
        self.assertIsNone(engine.filters.min_rating_count)
        self.assertTrue(engine.filters.ignore_own)
        self.assertEqual(engine.filters.include_sellers, ())
        # 0 in a guard field: no such guard
        self.assertIsNone(engine.guards.max_change_run_amount)
        self.assertIsNone(engine.guards.max_change_run_percent)
        self.assertIsNone(engine.guards.max_change_day_percent)
        self.assertIsNone(engine.guards.min_interval)
        self.assertEqual(engine.guards.war_share, Decimal("0.3"))
        self.assertEqual(engine.guards.war_drop_percent, Decimal("10"))
        self.assertIsNone(engine.conditions.low_stock)
        self.assertIsNone(engine.conditions.sleeping_days)
        self.assertEqual(engine.conditions.windows, ())

    def test_engine_rule_fields(self):
        rule = self._rule(
            simulation=False,
            strategy="rank",
            beat_type="percent",
            beat_percent=2.5,
            rank=3,
            compare="price",
            filter_fulfilment="merchant",
            filter_conditions=" new , 11,,",
            min_rating=4.2,
            min_rating_count=25,
            include_sellers="Shop A\n\n  Shop B  \n",
            exclude_sellers="Cheap Ltd",
            ignore_own=True,
            own_seller_names="My Other Shop\nS-42",
            no_competitor="hold",
            all_below_floor="ceiling",
            already_best="raise_to_next",
            max_change_run_amount=5.1,
            max_change_run_percent=12.5,
            max_change_day_percent=20,
            min_interval_minutes=90,
            war_share_percent=40,
            war_drop_percent=15,
            low_stock=3,
            low_stock_raise_percent=5,
            sleeping_days=30,
            sleeping_drop_percent=7.5,
            window_ids=[
                Command.create({"weekday": "0", "hour_from": 8.5, "hour_to": 18}),
                Command.create({"weekday": "6", "hour_from": 20, "hour_to": 24}),
            ],
        )
        engine = rule._engine_rule()
        self.assertFalse(engine.simulation)
        strategy = engine.strategy
        self.assertEqual(
            (strategy.kind, strategy.amount, strategy.percent, strategy.rank),
            ("rank", None, Decimal("2.5"), 3),
        )
        self.assertEqual(strategy.compare, "price")
        filters = engine.filters
        self.assertEqual(filters.fulfilments, ("merchant",))
        self.assertEqual(filters.conditions, ("new", "11"))
        self.assertEqual(filters.min_rating, Decimal("4.2"))
        self.assertEqual(filters.min_rating_count, 25)
        self.assertEqual(filters.include_sellers, ("Shop A", "Shop B"))
        self.assertEqual(filters.exclude_sellers, ("Cheap Ltd",))
        self.assertEqual(filters.own_sellers, ("My Other Shop", "S-42"))
        fallbacks = engine.fallbacks
        self.assertEqual(
            (
                fallbacks.no_competitor,
                fallbacks.all_below_floor,
                fallbacks.already_best,
            ),
            ("hold", "ceiling", "raise_to_next"),
        )
        guards = engine.guards
        # exact decimals, not the floats' binary expansions
        self.assertEqual(guards.max_change_run_amount, Decimal("5.1"))
        self.assertEqual(guards.max_change_run_percent, Decimal("12.5"))
        self.assertEqual(guards.max_change_day_percent, Decimal("20.0"))
        self.assertEqual(guards.min_interval, timedelta(minutes=90))
        self.assertEqual(guards.war_share, Decimal("0.4"))
        self.assertEqual(guards.war_drop_percent, Decimal("15.0"))
        conditions = engine.conditions
        self.assertEqual(conditions.low_stock, 3)
        self.assertEqual(conditions.low_stock_raise_percent, Decimal("5.0"))
        self.assertEqual(conditions.sleeping_days, 30)
        self.assertEqual(conditions.sleeping_drop_percent, Decimal("7.5"))
        self.assertEqual(
            conditions.windows,
            (((0,), time(8, 30), time(18, 0)), ((6,), time(20, 0), time.max)),
        )

    def test_engine_rule_amount_and_any(self):
        rule = self._rule(
            beat_type="amount",
            beat_amount=0.1,
            filter_fulfilment="marketplace",
            ignore_own=False,
        )
        engine = rule._engine_rule()
        self.assertEqual(engine.strategy.amount, Decimal("0.1"))
        self.assertIsNone(engine.strategy.percent)
        self.assertEqual(engine.filters.fulfilments, ("marketplace",))
        self.assertFalse(engine.filters.ignore_own)

    def test_engine_rule_war_guard_off(self):
        """0 in either price-war field: the guard never stops a run."""
        for values in ({"war_share_percent": 0}, {"war_drop_percent": 0}):
            engine = self._rule(**values)._engine_rule()
            self.assertGreater(engine.guards.war_share, 1, values)

    def test_engine_rule_runs(self):
        """The engine accepts the rule and applies its strategy."""
        from mphub.pricing import CompetitorOffer
        from mphub.repricing.engine import run
        from mphub.repricing.model import Costs, OfferInput

        # a single offer dropping 20 %: the price war guard blocks it...
        rule = self._rule(beat_amount=0.1, filter_fulfilment="merchant")
        offer = OfferInput(
            key=1,
            current_price=Decimal("25.00"),
            competitors=(
                CompetitorOffer(
                    seller="A",
                    price=Decimal("19.90"),
                    shipping=Decimal(0),
                    condition="new",
                    seller_type="professional",
                    fulfilment="merchant",
                ),
                CompetitorOffer(
                    seller="B",
                    price=Decimal("18.00"),
                    shipping=Decimal(0),
                    condition="new",
                    seller_type="professional",
                    fulfilment="marketplace",
                ),
            ),
            costs=Costs(cost=Decimal("10.00")),
            ceiling=Decimal("30.00"),
        )
        now = fields.Datetime.now()
        result = run(rule._engine_rule(), [offer], now=now)
        self.assertTrue(result.war_blocked)
        self.assertEqual(result.decisions[0].state, "blocked")
        self.assertEqual(result.decisions[0].new_price, Decimal("25.00"))
        # ...unless it is off: beat the merchant offer (the cheaper
        # marketplace-fulfilled one is filtered out)
        rule.war_share_percent = 0
        decision = run(rule._engine_rule(), [offer], now=now).decisions[0]
        self.assertEqual(decision.new_price, Decimal("19.80"))
        self.assertEqual(decision.state, "simulated")
        self.assertEqual(decision.target.seller, "A")

    # ---------------------------------------------------------- constraints

    def test_constraints_percent(self):
        for name in (
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
        ):
            for value in (-1, 100.5):
                with self.subTest(field=name, value=value):
                    with self.assertRaises(ValidationError):
                        self._rule(**{name: value})
        # the bounds themselves are allowed
        self._rule(beat_percent=100, war_drop_percent=0)

    def test_constraints_amounts(self):
        with self.assertRaises(ValidationError):
            self._rule(beat_amount=-0.01)
        with self.assertRaises(ValidationError):
            self._rule(rank=0)
        with self.assertRaises(ValidationError):
            self._rule(min_interval_minutes=-5)
        with self.assertRaises(ValidationError):
            self._rule(shipping_cost=-1)
        self._rule(beat_amount=0, rank=1)

    def test_constraints_windows(self):
        for hour_from, hour_to in ((10, 9), (8, 8), (-1, 5), (20, 25)):
            with self.subTest(hours=(hour_from, hour_to)):
                with self.assertRaises(ValidationError):
                    self._rule(
                        window_ids=[
                            Command.create(
                                {
                                    "weekday": "2",
                                    "hour_from": hour_from,
                                    "hour_to": hour_to,
                                }
                            )
                        ]
                    )
        rule = self._rule(
            window_ids=[Command.create({"weekday": "2", "hour_from": 0, "hour_to": 24})]
        )
        self.assertEqual(
            rule._engine_rule().conditions.windows, (((2,), time(0), time.max),)
        )

    # ----------------------------------------------------------------- KPIs

    def test_kpis(self):
        rule = self._rule()
        self.assertEqual(rule.offer_count, 0)
        self.assertEqual(rule.buy_box_share, 0.0)
        self.assertFalse(rule.last_run_id)
        Offer = self.env["mp.offer.binding"]
        if "repricing_rule_id" not in Offer._fields:
            self.skipTest("offer repricing fields not installed")
        offers = self.env["mp.offer.binding"].create(
            [
                {
                    "backend_id": self.backend.id,
                    "product_id": product.id,
                    "seller_sku": product.default_code,
                }
                for product in (self.red, self.blue, self.book)
            ]
        )
        # the fields are the collection's and the run's (readonly): set them by SQL
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE mp_offer_binding SET repricing_rule_id = %s, "
                "repricing_buy_box = (id = %s), repricing_at_floor = (id != %s) "
                "WHERE id = ANY(%s)",
                rule.id,
                offers[0].id,
                offers[0].id,
                offers.ids,
            )
        )
        Run = self.env["mp.repricing.run"]
        old = Run.create(
            {
                "rule_id": rule.id,
                "date_start": fields.Datetime.now() - timedelta(hours=2),
                "war_blocked": False,
                "state": "done",
            }
        )
        last = Run.create(
            {
                "rule_id": rule.id,
                "date_start": fields.Datetime.now() - timedelta(hours=1),
                "war_blocked": True,
                "state": "done",
            }
        )
        self.env.flush_all()
        rule.invalidate_recordset()
        self.assertEqual(rule.offer_count, 3)
        self.assertEqual(rule.buy_box_count, 1)
        self.assertEqual(rule.buy_box_share, 33.3)
        self.assertEqual(rule.at_floor_count, 2)
        self.assertEqual(rule.last_run_id, last)
        self.assertNotEqual(rule.last_run_id, old)
        self.assertEqual(rule.last_run_date, last.date_start)
        self.assertTrue(rule.war_alert)
        self.assertEqual(rule.decision_count, 0)
        # the graph's SQL view agrees
        kpi = self.env["mp.repricing.rule.kpi"].search([("rule_id", "=", rule.id)])
        self.assertEqual(
            (kpi.offer_count, kpi.buy_box_count, kpi.at_floor_count, kpi.buy_box_share),
            (3, 1, 2, 33.3),
        )
        groups = self.env["mp.repricing.rule.kpi"]._read_group(
            [("rule_id", "=", rule.id)], ["rule_id"], ["buy_box_share:avg"]
        )
        self.assertEqual(groups[0][1], 33.3)
        # the dashboard's links open the right offers
        action = rule.action_view_floor_offers()
        self.assertEqual(
            Offer.search(action["domain"]), offers[1:], "offers at their floor"
        )
        action = rule.action_view_buy_box_offers()
        self.assertEqual(Offer.search(action["domain"]), offers[0])

    # ---------------------------------------------------------- commissions

    def _line(self, backend=None, categ=None, percent=0.0, fixed=0.0):
        return self.Commission.create(
            {
                "backend_id": (backend or self.backend).id,
                "categ_id": categ.id if categ else False,
                "commission_percent": percent,
                "commission_fixed": fixed,
            }
        )

    def test_commission_table_parent_chain(self):
        self._line(categ=self.categ_root, percent=12)
        self._line(categ=self.categ_mid, percent=15, fixed=0.3)
        self._line(percent=10)
        # another account's lines never count
        self._line(backend=self.other_backend, categ=self.categ_leaf, percent=50)
        products = self.red | self.blue | self.book
        result = self.Commission._commission_for(self.backend, products)
        # leaf has no line: its parent mid's
        self.assertEqual(
            result[self.red.id], (Decimal("0.15"), Decimal("0.3"), "table")
        )
        self.assertEqual(
            result[self.blue.id], (Decimal("0.15"), Decimal("0.3"), "table")
        )
        # no line in its chain: the account's line without category
        self.assertEqual(result[self.book.id], (Decimal("0.1"), Decimal("0"), "table"))
        # the most specific line wins
        self._line(categ=self.categ_leaf, percent=8.5)
        result = self.Commission._commission_for(self.backend, products)
        self.assertEqual(result[self.red.id][:2], (Decimal("0.085"), Decimal("0")))
        self.assertEqual(result[self.blue.id][0], Decimal("0.15"))

    def test_commission_archived_line_ignored(self):
        line = self._line(categ=self.categ_leaf, percent=20)
        line.active = False
        result = self.Commission._commission_for(self.backend, self.red)
        self.assertEqual(result[self.red.id], (Decimal(0), Decimal(0), "none"))

    def test_commission_unique(self):
        self._line(categ=self.categ_leaf, percent=20)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                self._line(categ=self.categ_leaf, percent=21)
        self._line(percent=5)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                self._line(percent=6)
        # the same category on another account is fine
        self._line(backend=self.other_backend, categ=self.categ_leaf, percent=20)

    def test_commission_constraints(self):
        with self.assertRaises(ValidationError):
            self._line(percent=101)
        with self.assertRaises(ValidationError):
            self._line(fixed=-1)

    def _order(self, backend, total, commission, state="sale", days=1):
        partner = self.env["res.partner"].create({"name": "Buyer"})
        order = self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "mp_backend_id": backend.id,
                "date_order": fields.Datetime.now() - timedelta(days=days),
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.blue.id,
                            "product_uom_qty": 1,
                            "price_unit": total,
                            "tax_id": [Command.clear()],
                        }
                    )
                ],
            }
        )
        if state == "sale":
            order.action_confirm()
            order.date_order = fields.Datetime.now() - timedelta(days=days)
        order.mp_commission_amount = commission
        # the account comes from the order's marketplace binding: set it as
        # an import would, without one
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE sale_order SET mp_backend_id = %s WHERE id = %s",
                backend.id,
                order.id,
            )
        )
        order.invalidate_recordset()
        return order

    def test_commission_from_orders(self):
        self._order(self.backend, 100.0, 15.0)
        self._order(self.backend, 300.0, 30.0)
        # not counted: without commission, a draft, too old, another account
        self._order(self.backend, 500.0, 0.0)
        self._order(self.backend, 1000.0, 500.0, state="draft")
        self._order(self.backend, 1000.0, 500.0, days=120)
        self._order(self.other_backend, 1000.0, 900.0)
        result = self.Commission._commission_for(self.backend, self.red | self.book)
        # (15 + 30) / (100 + 300)
        self.assertEqual(result[self.red.id], (Decimal("0.1125"), Decimal(0), "orders"))
        self.assertEqual(result[self.book.id][2], "orders")
        # a table line takes precedence over the orders
        self._line(categ=self.categ_other, percent=7)
        result = self.Commission._commission_for(self.backend, self.red | self.book)
        self.assertEqual(result[self.book.id], (Decimal("0.07"), Decimal(0), "table"))
        self.assertEqual(result[self.red.id][2], "orders")

    def test_commission_none(self):
        result = self.Commission._commission_for(self.backend, self.red | self.blue)
        self.assertEqual(
            result,
            {
                self.red.id: (Decimal(0), Decimal(0), "none"),
                self.blue.id: (Decimal(0), Decimal(0), "none"),
            },
        )

    def test_demo_commission_lines(self):
        created = self.Commission._demo_commission_lines(15.0)
        self.assertIn(self.backend, created.backend_id)
        self.assertIn(self.other_backend, created.backend_id)
        self.assertFalse(created.categ_id)
        # a second call creates nothing more
        self.assertFalse(self.Commission._demo_commission_lines(15.0))

    # ------------------------------------------------------- settings, MSRP

    def test_settings(self):
        params = self.env["ir.config_parameter"].sudo()
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.mp_snapshot_retention_days, 90)
        self.assertEqual(settings.mp_competitor_interval_hours, 6)
        settings.mp_snapshot_retention_days = 30
        settings.mp_competitor_interval_hours = 2
        settings.execute()
        self.assertEqual(params.get_param("mp_repricing.snapshot_retention_days"), "30")
        self.assertEqual(
            params.get_param("mp_repricing.competitor_interval_hours"), "2"
        )

    def test_msrp(self):
        self.red.product_tmpl_id.mp_msrp = 29.99
        self.assertEqual(self.red.mp_msrp, 29.99)

    # ------------------------------------------------------------- security

    def test_access(self):
        """Staff read rules, managers edit them; other companies' rules are
        hidden."""
        base = "mp_connector_base.group_mp_connector_base_"
        staff = self.env["res.users"].create(
            {
                "name": "Repricing staff",
                "login": "repricing_staff",
                "groups_id": [Command.set([self.env.ref(base + "user").id])],
            }
        )
        manager = self.env["res.users"].create(
            {
                "name": "Repricing manager",
                "login": "repricing_manager",
                "groups_id": [Command.set([self.env.ref(base + "manager").id])],
            }
        )
        rule = self._rule()
        self.assertEqual(rule.with_user(staff).name, "Test rule")
        with self.assertRaises(AccessError):
            rule.with_user(staff).write({"simulation": False})
        rule.with_user(manager).write({"simulation": False})
        self.assertFalse(rule.simulation)
        other = self.env["res.company"].create({"name": "Other repricing company"})
        hidden = self.Rule.create({"name": "Other", "company_id": other.id})
        self.assertNotIn(hidden, self.Rule.with_user(manager).search([]))
