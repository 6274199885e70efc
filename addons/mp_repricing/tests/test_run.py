"""The repricing run through the fake connector: decisions with their
figures and explanations, guards, simulation, freeze, the price export."""

import re
from datetime import timedelta
from decimal import Decimal
from unittest.mock import patch

from mphub.repricing.model import TEMPLATES

from odoo import fields
from odoo.tests import tagged

from odoo.addons.mp_connector_base.tests.fake_common import FakeConnectorCase
from odoo.addons.mp_connector_base.tests.fake_connector import price_board

from ..services import repricing_run
from ..services.explanations import translated_templates

PARAM = re.compile(r"%\((\w+)\)s")


@tagged("post_install", "-at_install")
class RepricingCase(FakeConnectorCase):
    """Offers of the fake account bound from its listings, a rule owning
    them, competitors' offers written as snapshot rows."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for product, cost in zip(cls.products, ("10.00", "4.00", "6.00"), strict=True):
            product.standard_price = float(cost)
            product.product_tmpl_id.mp_msrp = 30.0
        # above the competitors of the tests: the rule has a price to beat
        cls.product["FK-RED"].list_price = 22.0
        cls.rule = cls.env["mp.repricing.rule"].create(
            {
                "name": "Beat the lowest seller-fulfilled offer",
                "simulation": False,
                "backend_ids": [(6, 0, cls.backend.ids)],
                "strategy": "beat_lowest",
                "beat_type": "amount",
                "beat_amount": 0.10,
                "filter_fulfilment": "merchant",
                "commission_source": "rate",
                "commission_percent": 15.0,
                "fixed_fees": 0.50,
                "margin_amount": 1.0,
                "ceiling_source": "msrp",
                "no_competitor": "hold",
                "war_share_percent": 50.0,
                "war_drop_percent": 20.0,
            }
        )
        # the demo's rules would own the offers first
        cls.env["mp.repricing.rule"].search([("id", "!=", cls.rule.id)]).active = False

    def setUp(self):
        super().setUp()
        for sku in self.product:
            self.market.add_listing(sku, quantity=5, price="1.00")
        self.import_listings()
        self.offer = {offer.seller_sku: offer for offer in self.offers()}
        self.env["mp.repricing.rule"]._assign_offers(self.backend)

    def competitors(self, offer, *rows, when=None):
        """Current snapshot rows of ``offer``: (seller, price, fulfilment,
        shipping, own)."""
        when = when or fields.Datetime.now() - timedelta(hours=1)
        values = []
        for seller, price, fulfilment, *rest in rows:
            shipping = rest[0] if rest else 0.0
            own = rest[1] if len(rest) > 1 else False
            values.append(
                {
                    "offer_id": offer.id,
                    "backend_id": offer.backend_id.id,
                    "company_id": offer.company_id.id,
                    "product_id": offer.product_id.id,
                    "currency_id": offer.currency_id.id,
                    "seller": seller,
                    "seller_key": seller.upper(),
                    "seller_type": "professional",
                    "price": price,
                    "shipping": shipping,
                    "condition": "11",
                    "fulfilment": fulfilment,
                    "rating": 4.5,
                    "rating_count": 100,
                    "own": own,
                    "source": "api",
                    "date_from": when,
                }
            )
        return self.env["mp.competitor.snapshot"].sudo().create(values)

    def decision(self, run, sku):
        return run.decision_ids.filtered(lambda d: d.offer_id == self.offer[sku])

    def run_rule(self, mode="live"):
        with self.trap_jobs() as trap:
            run = self.rule._run(mode)
            self.env["mp.offer.dirty"]._flush_marks()
            self.job_stats = self.run_jobs(trap)
        return run


class TestRun(RepricingCase):
    def test_templates_are_the_engines_with_the_same_params(self):
        templates = translated_templates(self.env)
        self.assertEqual(set(templates), set(TEMPLATES))
        for code, text in TEMPLATES.items():
            self.assertEqual(
                sorted(PARAM.findall(templates[code])), sorted(PARAM.findall(text))
            )
            self.assertEqual(templates[code], text)

    def test_offers_go_to_the_first_matching_rule(self):
        other = self.env["mp.repricing.rule"].create(
            {
                "name": "Books first",
                "sequence": 1,
                "product_domain": f"[('id', '=', {self.product['FK-BOOK'].id})]",
            }
        )
        self.rule.sequence = 5
        owners = self.env["mp.repricing.rule"]._assign_offers(self.backend)
        self.assertEqual(owners[self.offer["FK-BOOK"].id], other.id)
        self.assertEqual(self.offer["FK-BOOK"].repricing_rule_id, other)
        self.assertEqual(self.offer["FK-RED"].repricing_rule_id, self.rule)
        other.active = False
        self.env["mp.repricing.rule"]._assign_offers(self.backend)
        self.assertEqual(self.offer["FK-BOOK"].repricing_rule_id, self.rule)

    def test_beats_the_lowest_and_explains_the_floor_then_exports(self):
        red = self.offer["FK-RED"]
        self.competitors(
            red,
            ("Alpha", 19.90, "merchant"),
            ("Fast Box", 18.00, "marketplace"),  # not seller-fulfilled
            ("Me", 21.00, "merchant", 0.0, True),  # own offer
        )
        run = self.run_rule()
        self.assertEqual(run.state, "done")
        self.assertEqual(run.mode, "live")
        decision = self.decision(run, "FK-RED")
        # floor: P = 10.00 + 15 % P + 0.50 + VAT 20 % of P + 1.00 margin
        self.assertEqual(
            decision.explanation,
            "beat the lowest seller-fulfilled offer 19.90 by 0.10; floor 16.83 = "
            "cost 10.00 + commission 15 % 2.52 + fees 0.50 + VAT 20 % 2.81 + "
            "margin 1.00",
        )
        self.assertEqual(decision.state, "applied")
        self.assertAlmostEqual(decision.old_price, 22.00)
        self.assertAlmostEqual(decision.new_price, 19.80)
        self.assertAlmostEqual(decision.change, -2.20)
        self.assertAlmostEqual(decision.change_percent, -10.0)
        self.assertAlmostEqual(decision.floor_price, 16.83)
        self.assertAlmostEqual(decision.ceiling_price, 30.00)
        self.assertEqual(decision.target_seller, "Alpha")
        self.assertAlmostEqual(decision.target_price, 19.90)
        self.assertEqual(red.repricing_price, 19.80)
        self.assertEqual(red.last_decision_id, decision)
        self.assertFalse(red.repricing_at_floor)
        # the export pushed the applied price, and only the changed offer
        self.assertEqual(
            Decimal(self.market.listings["FK-RED"]["price"]), Decimal("19.8")
        )
        self.assertEqual(red.price_state, "confirmed")
        self.assertAlmostEqual(red.sent_price, 19.80)
        (last,) = self.market.calls_of("push_prices")[-1]
        self.assertEqual([row.sku for row in last], ["FK-RED"])
        # a second run: same competitors, nothing changes, nothing pushed
        calls = len(self.market.calls_of("push_prices"))
        run = self.run_rule()
        decision = self.decision(run, "FK-RED")
        self.assertEqual(decision.state, "unchanged")
        self.assertAlmostEqual(decision.old_price, 19.80)
        self.assertEqual(len(self.market.calls_of("push_prices")), calls)

    def test_no_competitor_stays_at_the_ceiling_and_below_floor_holds_floor(self):
        self.rule.no_competitor = "ceiling"
        self.competitors(self.offer["FK-BLUE"], ("Alpha", 2.00, "merchant"))
        run = self.run_rule()
        red = self.decision(run, "FK-RED")
        self.assertEqual(red.reason, "no_competitor")
        self.assertAlmostEqual(red.new_price, 30.00)
        self.assertTrue(
            red.explanation.startswith(
                "no competing seller-fulfilled offer: ceiling 30.00;"
            )
        )
        blue = self.decision(run, "FK-BLUE")
        self.assertEqual(blue.reason, "all_below_floor")
        self.assertAlmostEqual(blue.new_price, blue.floor_price)
        self.assertTrue(self.offer["FK-BLUE"].repricing_at_floor)

    def test_the_decided_price_replaces_the_pricelist_in_the_export(self):
        red = self.offer["FK-RED"]
        self.assertEqual(self.backend._offer_decided_prices([red.id]), {})
        self.competitors(red, ("Alpha", 19.90, "merchant"))
        self.run_rule()
        self.assertEqual(
            self.backend._offer_decided_prices(self.offers().ids),
            {red.id: Decimal("19.8")},
        )

    def test_the_marketplaces_fee_estimate_is_the_commission(self):
        """A rule asking for the marketplace's fees: the collection cron
        queues the estimates of its offers, and their rate is the floor's
        commission."""
        self.market.capabilities = self.market.capabilities | {"fees"}
        price_board(self.market).fee_rates["FK-RED"] = (Decimal("10"), Decimal("0"))
        self.rule.commission_source = "fees_api"
        with self.trap_jobs() as trap:
            self.env["mp.backend"]._cron_collect_competitors()
            self.run_jobs(trap)
        fee = self.env["mp.repricing.fee"].search(
            [("offer_id", "=", self.offer["FK-RED"].id)]
        )
        self.assertEqual(len(fee), 1)
        self.assertAlmostEqual(fee.rate, 0.10)
        # a second cron within the interval asks nothing again
        with self.trap_jobs() as trap:
            self.env["mp.backend"]._cron_collect_competitors()
            self.assertFalse(
                [j for j in trap.enqueued_jobs if j.method_name == "_job_estimate_fees"]
            )
        self.competitors(self.offer["FK-RED"], ("Alpha", 19.90, "merchant"))
        decision = self.decision(self.run_rule(), "FK-RED")
        self.assertIn("commission 10 %", decision.explanation)
        # 10.00 + 10 % P + 0.50 + VAT 20 % + 1.00 margin: below the 15 % floor
        self.assertAlmostEqual(decision.floor_price, 15.69)

    def test_fixed_fees_stay_fixed_and_the_candidate_price_is_estimated(self):
        """An estimate of 10 % + 2.00 of fixed fees (FBA, closing): the floor
        counts 10 % of its own price plus the 2.00 (not 2.00 scaled down with
        the price), and a run moving the price away from the estimate's
        price queues an estimate at the decided price."""
        self.market.capabilities = self.market.capabilities | {"fees"}
        board = price_board(self.market)
        board.fee_rates["FK-RED"] = (Decimal("10"), Decimal("2.00"))
        self.rule.commission_source = "fees_api"
        red = self.offer["FK-RED"]
        with self.trap_jobs() as trap:
            self.env["mp.backend"]._cron_collect_competitors()
            self.run_jobs(trap)
        fee = self.env["mp.repricing.fee"].search([("offer_id", "=", red.id)])
        self.assertEqual(len(fee), 1)
        self.assertAlmostEqual(fee.fixed_fees, 2.00)
        self.assertAlmostEqual(fee.variable_fees, fee.price * 0.10, places=2)
        self.assertAlmostEqual(fee.rate, 0.10)
        self.competitors(red, ("Alpha", 20.00, "merchant"))
        asked_before = len(self.market.calls_of("fee_estimates"))
        decision = self.decision(self.run_rule(), "FK-RED")
        # P = 10.00 + (0.10 P + 2.00) + 0.50 + P/6 + 1.00 -> 18.41, where
        # a rate of the total fees would have scaled the 2.00 down
        self.assertAlmostEqual(decision.floor_price, 18.41)
        self.assertIn("commission 10 % + 2.00 3.84", decision.explanation)
        self.assertAlmostEqual(decision.new_price, 19.90)
        # the estimate was made at the offer's price then (22.00): 19.90 is
        # more than 5 % away, an estimate at 19.90 was asked (the run's jobs
        # ran)
        asked = self.market.calls_of("fee_estimates")[asked_before:]
        self.assertEqual(len(asked), 1)
        self.assertEqual(
            [(sku, price) for sku, price, _c, _fba in asked[0][0]],
            [("FK-RED", Decimal("19.90"))],
        )
        latest = self.env["mp.repricing.fee"].search(
            [("offer_id", "=", red.id)], limit=1
        )
        self.assertAlmostEqual(latest.price, 19.90)
        # the next run stands on it; the same price again asks nothing
        self.run_rule()
        self.assertEqual(len(self.market.calls_of("fee_estimates")), asked_before + 1)

    def test_the_supplier_price_per_unit_at_the_purchase_quantity(self):
        """Bought by the dozen: 96.00 a dozen from 1 dozen (8.00 a unit),
        84.00 less 5 % from 10 dozens (6.65 a unit), an expired 60.00. The
        rule's purchase quantity decides which tier is the cost."""
        red = self.offer["FK-RED"]
        template = red.product_id.product_tmpl_id
        template.uom_po_id = self.env.ref("uom.product_uom_dozen")
        vendor = self.env["res.partner"].create({"name": "Wholesaler"})
        Info = self.env["product.supplierinfo"]
        for price, minimum, discount, end in (
            (96.0, 1.0, 0.0, False),
            (84.0, 10.0, 5.0, False),
            (60.0, 1.0, 0.0, fields.Date.today() - timedelta(days=1)),
        ):
            Info.create(
                {
                    "partner_id": vendor.id,
                    "product_tmpl_id": template.id,
                    "price": price,
                    "min_qty": minimum,
                    "discount": discount,
                    "date_end": end,
                }
            )
        self.rule.cost_source = "supplier"
        self.competitors(red, ("Alpha", 19.90, "merchant"))
        # one unit at a time reaches no tier (a dozen at least): the own cost
        for quantity, cost in ((1.0, "10.00"), (12.0, "8.00"), (120.0, "6.65")):
            self.rule.supplier_quantity = quantity
            decision = self.decision(self.run_rule("simulation"), "FK-RED")
            self.assertIn(f"cost {cost} ", decision.explanation, quantity)
        # below every tier's minimum: the product's own cost
        Info.search([("product_tmpl_id", "=", template.id)]).min_qty = 50.0
        self.rule.supplier_quantity = 12.0
        decision = self.decision(self.run_rule("simulation"), "FK-RED")
        self.assertIn("cost 10.00 ", decision.explanation)

    def test_the_accounts_rounding_leaves_a_decided_price_as_it_is(self):
        """An account rounding its prices up to x.99 would undo the beat:
        the export sends the decided price to the cent."""
        self.backend.price_rounding = "x.99"
        red = self.offer["FK-RED"]
        self.competitors(red, ("Alpha", 19.90, "merchant"))
        self.run_rule()
        self.assertEqual(
            Decimal(self.market.listings["FK-RED"]["price"]), Decimal("19.8")
        )

    def test_a_simulation_writes_decisions_and_changes_no_price(self):
        red = self.offer["FK-RED"]
        self.competitors(red, ("Alpha", 19.90, "merchant"))
        calls = len(self.market.calls_of("push_prices"))
        run = self.run_rule("simulation")
        self.assertEqual(run.mode, "simulation")
        decision = self.decision(run, "FK-RED")
        self.assertEqual(decision.state, "simulated")
        self.assertAlmostEqual(decision.new_price, 19.80)
        self.assertFalse(red.repricing_price)
        self.assertFalse(red.repricing_floor)
        self.assertEqual(red.last_decision_id, decision)
        self.assertEqual(len(self.market.calls_of("push_prices")), calls)
        # a rule in simulation simulates its live runs too
        self.rule.simulation = True
        run = self.run_rule()
        self.assertEqual(run.mode, "simulation")
        self.assertEqual(self.decision(run, "FK-RED").state, "simulated")
        self.assertFalse(red.repricing_price)
        self.assertEqual(red.last_decision_id, self.decision(run, "FK-RED"))

    def test_a_frozen_offer_keeps_its_price(self):
        red = self.offer["FK-RED"]
        red.action_repricing_freeze()
        self.competitors(red, ("Alpha", 19.90, "merchant"))
        run = self.run_rule()
        decision = self.decision(run, "FK-RED")
        self.assertEqual(decision.state, "frozen")
        self.assertEqual(decision.explanation, "offer frozen: price unchanged")
        self.assertFalse(red.repricing_price)
        red.action_repricing_unfreeze()
        self.assertEqual(self.decision(self.run_rule(), "FK-RED").state, "applied")

    def test_per_run_guard_caps_and_interval_blocks(self):
        red = self.offer["FK-RED"]
        red.repricing_price = 21.00
        self.rule.write({"max_change_run_amount": 0.5, "min_interval_minutes": 60})
        self.competitors(red, ("Alpha", 19.90, "merchant"))
        decision = self.decision(self.run_rule(), "FK-RED")
        self.assertEqual(decision.reason, "guard_run")
        self.assertAlmostEqual(decision.new_price, 20.50)
        self.assertIn("capped to 20.50 by the per-run limit", decision.explanation)
        self.assertEqual(red.repricing_price, 20.50)
        # changed a moment ago: the next move waits for the interval
        decision = self.decision(self.run_rule(), "FK-RED")
        self.assertEqual(decision.state, "blocked")
        self.assertEqual(decision.reason, "guard_interval")
        self.assertAlmostEqual(decision.new_price, 20.50)

    def test_a_price_war_blocks_the_sharp_drops_and_alerts(self):
        self.rule.write({"ceiling_source": "cost_factor", "ceiling_factor": 4.0})
        # every offer sells high, competitors dive: a drop of more than 20 %
        for sku, price in (("FK-RED", 40.0), ("FK-BLUE", 18.0), ("FK-BOOK", 24.0)):
            self.offer[sku].repricing_price = price
        for sku, price in (("FK-RED", 25.0), ("FK-BLUE", 12.0), ("FK-BOOK", 15.0)):
            self.competitors(self.offer[sku], ("Dumper", price, "merchant"))
        calls = len(self.market.calls_of("push_prices"))
        run = self.run_rule()
        self.assertTrue(run.war_blocked)
        self.assertEqual(run.blocked_count, 3)
        for sku in self.offer:
            decision = self.decision(run, sku)
            self.assertEqual(decision.state, "blocked")
            self.assertEqual(decision.reason, "price_war")
            self.assertEqual(decision.new_price, decision.old_price)
            self.assertTrue(decision.explanation.startswith("blocked, a sharp drop"))
        self.assertEqual(self.offer["FK-RED"].repricing_price, 40.0)
        self.assertEqual(len(self.market.calls_of("push_prices")), calls)
        activity = self.rule.activity_ids.filtered(
            lambda a: (
                a.activity_type_id
                == self.env.ref("mp_repricing.mail_activity_type_price_war")
            )
        )
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.rule.user_id)
        self.assertTrue(self.rule.war_alert)

    def test_explanations_are_written_in_the_companys_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env.company.partner_id.lang = "fr_FR"
        self.competitors(self.offer["FK-RED"], ("Alpha", 19.90, "merchant"))
        langs = []

        def templates_of(env):
            langs.append(env.lang)
            return translated_templates(env)

        with patch.object(repricing_run, "translated_templates", templates_of):
            run = self.run_rule()
        self.assertEqual(langs, ["fr_FR"])
        # the addon's French translation, every part of the sentence
        explanation = self.decision(run, "FK-RED").explanation
        self.assertTrue(
            explanation.startswith(
                "battre de 0.10 la plus basse offre expédiée par le vendeur à 19.90"
            ),
            explanation,
        )
        self.assertIn("prix plancher 16.83 = coût 10.00 + commission 15", explanation)
        self.assertNotIn("floor", explanation)

    def test_the_cron_queues_one_job_per_active_rule(self):
        with self.trap_jobs() as trap:
            self.env["mp.repricing.run"]._cron_run_rules()
        rules = self.env["mp.repricing.rule"].search([])
        self.assertEqual(len(trap.enqueued_jobs), len(rules))
        self.assertEqual({job.method_name for job in trap.enqueued_jobs}, {"_job_run"})
        self.competitors(self.offer["FK-RED"], ("Alpha", 19.90, "merchant"))
        job = next(j for j in trap.enqueued_jobs if j.recordset == self.rule)
        run_id = job.perform()
        run = self.env["mp.repricing.run"].browse(run_id)
        self.assertAlmostEqual(self.decision(run, "FK-RED").new_price, 19.80)
