"""A rule replayed over the stored competitors' history."""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .test_run import RepricingCase


@tagged("post_install", "-at_install")
class TestReplay(RepricingCase):
    def history(self):
        """Alpha sells FK-RED at 19.90 three hours ago, at 18.90 from one
        hour ago; FK-BLUE has no competitor."""
        now = fields.Datetime.now()
        red = self.offer["FK-RED"]
        first = self.competitors(
            red, ("Alpha", 19.90, "merchant"), when=now - timedelta(hours=3)
        )
        first.date_to = now - timedelta(hours=1)
        self.competitors(
            red, ("Alpha", 18.90, "merchant"), when=now - timedelta(hours=1)
        )
        return now

    def replay(self, **values):
        wizard = self.env["mp.repricing.replay"].create(
            {"rule_id": self.rule.id, **values}
        )
        action = wizard.action_replay()
        return self.env["mp.repricing.decision"].search(
            action["domain"], order="date, id"
        )

    def test_replay_decides_at_each_change_carrying_its_own_prices(self):
        self.rule.max_change_run_amount = 1.5
        now = self.history()
        decisions = self.replay(date_from=now - timedelta(days=1), date_to=now)
        red = decisions.filtered(lambda d: d.offer_id == self.offer["FK-RED"])
        self.assertEqual(len(red), 2)
        self.assertEqual(set(red.mapped("state")), {"simulated"})
        self.assertEqual(red.run_id.mode, "replay")
        self.assertEqual(
            red.mapped("date"), [now - timedelta(hours=3), now - timedelta(hours=1)]
        )
        # 22.00 -> 20.50 (capped), then from the replayed 20.50 -> 19.00
        self.assertEqual([d.old_price for d in red], [22.00, 20.50])
        self.assertEqual([d.new_price for d in red], [20.50, 19.00])
        self.assertIn(
            "beat the lowest seller-fulfilled offer 18.90", red[1].explanation
        )
        # nothing real changed
        self.assertFalse(self.offer["FK-RED"].repricing_price)
        self.assertFalse(self.rule.last_run_id.mode == "replay")
        self.assertEqual(red.run_id.simulated_count, 2)

    def test_replay_of_chosen_offers_and_range(self):
        now = self.history()
        decisions = self.replay(
            date_from=now - timedelta(hours=2),
            date_to=now,
            offer_ids=[(6, 0, self.offer["FK-BLUE"].ids)],
        )
        self.assertFalse(decisions)
        decisions = self.replay(
            date_from=now - timedelta(hours=2),
            date_to=now,
            offer_ids=[(6, 0, self.offer["FK-RED"].ids)],
        )
        # the row valid at the range's start counts from its start
        self.assertEqual(
            decisions.mapped("date"),
            [now - timedelta(hours=2), now - timedelta(hours=1)],
        )
        self.assertEqual([d.new_price for d in decisions], [19.80, 18.80])
