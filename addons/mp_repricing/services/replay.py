"""A rule replayed over the stored competitors' history.

The moments are the distinct ``date_from`` of the snapshot rows of the
rule's offers within the range (a change of some competitor's offer); at
each moment every offer with competitors' rows valid then is decided, from
the rows valid at that moment and today's costs, floors and ceilings
(``mphub.repricing.replay.replay`` carries the replayed prices from one
moment to the next). The decisions are stored as a run of mode "replay",
all simulated: no price changes.
"""

import time
from collections import defaultdict

from mphub.repricing.replay import replay

from odoo import fields
from odoo.tools import SQL

from odoo.addons.mp_connector_base.services.stored_text import in_company_lang

from .repricing_run import DecisionWriter, OfferInputs

MAX_MOMENTS = 500


class RuleReplay:
    def __init__(self, rule, date_from, date_to, offer_ids=None):
        rule.ensure_one()
        self.rule = in_company_lang(rule.sudo(), rule.company_id)
        self.env = self.rule.env
        self.date_from = date_from
        self.date_to = date_to
        self.offer_ids = offer_ids or None

    def run(self):
        rule = self.rule
        started = time.perf_counter()
        now = fields.Datetime.now()
        run = self.env["mp.repricing.run"].create(
            {
                "rule_id": rule.id,
                "company_id": rule.company_id.id,
                "date_start": now,
                "mode": "replay",
            }
        )
        builder = OfferInputs(rule, now)
        rows = builder.offer_rows(self.offer_ids)
        statics = builder.statics(rows)
        snapshots = self._snapshots(builder, [row["id"] for row in rows])
        moments = sorted({row[-2] for row in snapshots})
        truncated = len(moments) > MAX_MOMENTS
        moments = moments[-MAX_MOMENTS:]
        history = []
        for moment in moments:
            valid = [
                row[:-2]
                for row in snapshots
                if row[-2] <= moment and (row[-1] is None or row[-1] > moment)
            ]
            competitors, own_shipping = builder._competitor_offers(valid)
            offers = [row for row in rows if row["id"] in competitors]
            inputs = builder.inputs(offers, statics, competitors, own_shipping)
            history.append((moment, inputs))
        decisions = replay(rule._engine_rule(), history)
        dates = [moment for moment, inputs in history for _input in inputs]
        DecisionWriter(run, rows, statics).store(decisions, now, dates=dates)
        states = defaultdict(int)
        for decision in decisions:
            states[decision.state] += 1
        note = False
        if truncated:
            note = self.env._(
                "Only the last %s moments of the range were replayed.", MAX_MOMENTS
            )
        run.write(
            {
                "state": "done",
                "date_end": fields.Datetime.now(),
                "offer_count": len({decision.key for decision in decisions}),
                "changed_count": sum(1 for d in decisions if d.changed),
                "simulated_count": states["simulated"],
                "blocked_count": states["blocked"],
                "war_blocked": any(d.reason == "price_war" for d in decisions),
                "duration": time.perf_counter() - started,
                "note": note,
            }
        )
        run.flush_recordset()
        rule.invalidate_recordset()
        return run

    def _snapshots(self, builder, offer_ids):
        """The rows of the offers valid at some moment of the range, as the
        competitor rows plus (date_from, date_to)."""
        if not offer_ids:
            return []
        self.env["mp.competitor.snapshot"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT s.offer_id, s.seller, s.seller_id, s.seller_type,
                       round(s.price * 100)::bigint, round(s.shipping * 100)::bigint,
                       s.condition, s.fulfilment,
                       s.rating::numeric::text, s.rating_count, s.featured, s.own,
                       s.date_from, s.date_to
                  FROM mp_competitor_snapshot s
                 WHERE s.offer_id = ANY(%s)
                   AND s.date_from <= %s
                   AND (s.date_to IS NULL OR s.date_to > %s)
                 ORDER BY s.date_from, s.id
                """,
                list(offer_ids),
                self.date_to,
                self.date_from,
            )
        )
        rows = self.env.cr.fetchall()
        # moments before the range start count from its start
        start = self.date_from
        return [row[:-2] + (max(row[-2], start), row[-1]) for row in rows]
