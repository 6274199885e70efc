from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval

from ..services.repricing_run import RepricingRun


class MpRepricingRule(models.Model):
    """The rule's runs: which offers it owns, the run itself, its buttons."""

    _inherit = "mp.repricing.rule"

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------
    def action_run(self):
        """Run now: live, or a simulation while the rule simulates."""
        self.ensure_one()
        self._assign_offers()
        run = self._run("live")
        return run._action_open() if run else True

    def action_simulate(self):
        self.ensure_one()
        self._assign_offers()
        run = self._run("simulation")
        return run._action_open() if run else True

    def action_open_replay(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Replay %s", self.name),
            "res_model": "mp.repricing.replay",
            "view_mode": "form",
            "target": "new",
            "context": {"default_rule_id": self.id},
        }

    def action_view_decisions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "mp_repricing.action_mp_repricing_decision"
        )
        action["domain"] = [("rule_id", "=", self.id)]
        return action

    def action_view_runs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "mp_repricing.action_mp_repricing_run"
        )
        action["domain"] = [("rule_id", "=", self.id)]
        return action

    # ------------------------------------------------------------------
    # business
    # ------------------------------------------------------------------
    @api.model
    def _assign_offers(self, backends=None):
        """Give each active offer (of ``backends``, else of every account)
        to the first active rule, by sequence, whose scope matches it;
        write ``repricing_rule_id`` in bulk. Returns {offer id: rule id}."""
        Offer = self.env["mp.offer.binding"].sudo().with_context(active_test=False)
        domain = [("active", "=", True)]
        if backends:
            domain.append(("backend_id", "in", backends.ids))
        backend_ids = backends.ids if backends else None
        rules = self.sudo().search([], order="sequence, id")
        owner = {}
        all_backends = (
            self.env["mp.backend"]
            .sudo()
            .search([("id", "in", backend_ids)] if backend_ids else [])
        )
        for rule in rules:
            company = rule.company_id
            scope = all_backends.filtered(lambda b, c=company: b.company_id == c)
            if rule.backend_ids:
                scope &= rule.backend_ids
            if not scope:
                continue
            rule_domain = domain + [("backend_id", "in", scope.ids)]
            product_domain = rule._product_domain()
            if product_domain:
                rule_domain.append(("product_id", "any", product_domain))
            for offer_id in Offer._search(rule_domain):
                owner.setdefault(offer_id, rule.id)
        self._write_owners(domain, owner)
        return owner

    def _product_domain(self):
        self.ensure_one()
        text = (self.product_domain or "").strip()
        if not text or text == "[]":
            return []
        try:
            return safe_eval(text)
        except Exception as error:
            raise UserError(
                self.env._(
                    "The product filter of the rule %(rule)s is not valid: %(error)s",
                    rule=self.name,
                    error=error,
                )
            ) from error

    def _write_owners(self, domain, owner):
        """Set the owners of the offers of ``domain`` in two statements."""
        Offer = self.env["mp.offer.binding"].sudo().with_context(active_test=False)
        Offer.flush_model()
        query = Offer._search(domain)
        ids = list(query)
        rule_of = [owner.get(offer_id) for offer_id in ids]
        self.env.cr.execute(
            SQL(
                """
                UPDATE mp_offer_binding o
                   SET repricing_rule_id = v.rule_id
                  FROM unnest(%s::int[], %s::int[]) AS v(id, rule_id)
                 WHERE o.id = v.id
                   AND o.repricing_rule_id IS DISTINCT FROM v.rule_id
                """,
                ids,
                rule_of,
            )
        )
        Offer.invalidate_model(["repricing_rule_id"])

    def _run(self, mode="live"):
        """Run the rule over its offers (``services/repricing_run.py``):
        one ``mp.repricing.run``, or None when the rule is inactive."""
        self.ensure_one()
        return RepricingRun(self, mode).run()

    def _job_run(self):
        """Job of the hourly cron: assign the offers, then run."""
        self.ensure_one()
        if not self.active:
            return None
        self._assign_offers()
        run = self._run("live")
        return run and run.id
