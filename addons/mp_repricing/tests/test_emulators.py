"""A repricing run against the Mirakl emulator's competitors (skipped when
mp_mirakl is not installed): the competitors collected into snapshots, the
decisions' figures and explanations, the price war guard, and the applied
prices reaching the emulator through the offer export."""

from decimal import ROUND_HALF_UP, Decimal

from mphub.repricing.model import Costs, floor_of

from odoo import fields
from odoo.tests import tagged

try:
    from odoo.addons.mp_mirakl.tests.common import CARREFOUR_SHOP, MiraklCommon
except ImportError:  # pragma: no cover
    MiraklCommon = None

CENT = Decimal("0.01")

if MiraklCommon is not None:

    @tagged("post_install", "-at_install")
    class TestRepricingMirakl(MiraklCommon):
        @classmethod
        def setUpClass(cls):
            super().setUpClass()
            rules = cls.env["mp.repricing.rule"]
            rules.search([]).active = False
            cls.rule = rules.create(
                {
                    "name": "Beat the lowest offer",
                    "simulation": False,
                    "backend_ids": [(6, 0, cls.backend.ids)],
                    "strategy": "beat_lowest",
                    "beat_type": "amount",
                    "beat_amount": 0.10,
                    "filter_fulfilment": "any",
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

        def setUp(self):
            super().setUp()
            self.mirakl.create_offers(CARREFOUR_SHOP, 3)
            self.import_listings()
            self.offers_ = self.offers().filtered(lambda o: o.ean)[:3]
            self.assertEqual(len(self.offers_), 3, "sandbox offers with an EAN")
            self.env["mp.repricing.rule"]._assign_offers(self.backend)
            self.current = {}
            for offer in self.offers_:
                price = Decimal(
                    self.mirakl.offer(CARREFOUR_SHOP, offer.seller_sku)["price"]
                )
                self.current[offer] = price
                product = offer.product_id
                # a cost low enough for the floor to stay below the competitors
                product.standard_price = float((price / 10).quantize(CENT))
                product.product_tmpl_id.mp_msrp = float(price * 3)
                self.mirakl.set_competitors(offer.ean, [])

        def compete(self, offer, ratio):
            """One competitor shop selling ``offer``'s product at ``ratio``
            of its current price; returns that price."""
            price = (self.current[offer] * Decimal(ratio)).quantize(CENT)
            self.mirakl.set_competitors(
                offer.ean,
                [
                    {
                        "shop_id": 3102,
                        "shop_name": "Bricoland",
                        "price": str(price),
                        "shop_grade": "4.5",
                        "nb_evaluation": 230,
                    }
                ],
            )
            return price

        def collect(self):
            with self.trap_jobs() as trap:
                self.backend._schedule_competitor_collection(self.offers_)
                stats = self.run_jobs(trap)
            self.assertFalse(stats["failed"], stats)

        def expected_floor(self, offer):
            product = offer.product_id
            taxes = product.taxes_id.filtered(
                lambda t: t.company_id == self.env.company
            )
            vat = sum((Decimal(str(t.amount)) for t in taxes), Decimal(0)) / 100
            # the cost is in the company's currency, the account's prices in
            # its pricelist's: converted at the day's rate
            company = self.env.company
            rate = company.currency_id._convert(
                1.0, self.backend.currency_id, company, fields.Date.today(), round=False
            )
            cost = Decimal(str(product.standard_price)) * Decimal(str(rate))
            costs = Costs(
                cost=cost.quantize(CENT, rounding=ROUND_HALF_UP),
                commission_rate=Decimal("0.15"),
                fixed_fees=Decimal("0.50"),
                margin_amount=Decimal("1.0"),
                vat_rate=vat,
            )
            return floor_of(costs)

        def decision(self, run, offer):
            return run.decision_ids.filtered(lambda d: d.offer_id == offer)

        def test_a_run_beats_the_competitor_and_the_price_reaches_the_emulator(
            self,
        ):
            offer, quiet = self.offers_[0], self.offers_[1:]
            competitor = self.compete(offer, "0.95")
            self.collect()
            self.assertTrue(offer.competitor_snapshot_ids.filtered("current"))
            run = self.rule._run("live")
            decision = self.decision(run, offer)
            old = self.current[offer]
            new = competitor - Decimal("0.10")
            floor = self.expected_floor(offer)
            self.assertEqual(decision.state, "applied")
            self.assertAlmostEqual(decision.old_price, float(old))
            self.assertAlmostEqual(decision.new_price, float(new))
            self.assertAlmostEqual(decision.floor_price, float(floor.price))
            self.assertEqual(decision.target_seller, "Bricoland")
            self.assertEqual(
                decision.explanation,
                f"beat the lowest offer {competitor} by 0.10; "
                + floor.explanation().render(),
            )
            for other in quiet:
                self.assertEqual(self.decision(run, other).state, "unchanged")
            # the export pushes the applied price to the emulator
            self.export()
            shown = self.mirakl.offer(CARREFOUR_SHOP, offer.seller_sku)["price"]
            self.assertEqual(Decimal(shown), new)
            for other in quiet:
                shown = self.mirakl.offer(CARREFOUR_SHOP, other.seller_sku)["price"]
                self.assertEqual(Decimal(shown), self.current[other])

        def test_a_sharp_drop_on_most_offers_is_blocked_as_a_price_war(self):
            for offer in self.offers_:
                self.compete(offer, "0.50")
            self.collect()
            run = self.rule._run("live")
            self.assertTrue(run.war_blocked)
            for offer in self.offers_:
                decision = self.decision(run, offer)
                self.assertEqual(decision.state, "blocked")
                self.assertEqual(decision.reason, "price_war")
                self.assertAlmostEqual(decision.new_price, float(self.current[offer]))
                self.assertFalse(offer.repricing_price)
            self.assertTrue(
                self.rule.activity_ids.filtered(
                    lambda a: (
                        a.activity_type_id
                        == self.env.ref("mp_repricing.mail_activity_type_price_war")
                    )
                )
            )
            self.export()
            for offer in self.offers_:
                shown = self.mirakl.offer(CARREFOUR_SHOP, offer.seller_sku)["price"]
                self.assertEqual(Decimal(shown), self.current[offer])
