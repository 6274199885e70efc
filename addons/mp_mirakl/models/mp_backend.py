from mphub.mirakl.client import MiraklClient
from mphub.mirakl.profiles import PROFILES, get_profile

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.mp_connector_base.services.stored_text import in_company_lang


def _operator_selection(_model):
    return [(code, profile.name) for code, profile in PROFILES.items()]


class MpBackend(models.Model):
    _inherit = "mp.backend"

    backend_type = fields.Selection(
        selection_add=[("mirakl", "Mirakl")], ondelete={"mirakl": "cascade"}
    )
    mirakl_operator = fields.Selection(
        selection=_operator_selection,
        default="other",
        help="Marketplace running this Mirakl instance; choosing it pre-fills "
        "the imported states and the usual carriers.",
    )
    mirakl_shop_id = fields.Char(
        string="Mirakl Shop ID",
        help="Only needed when the API key gives access to several shops.",
    )

    # ------------------------------------------------------------------
    # profile
    # ------------------------------------------------------------------
    @api.onchange("backend_type", "mirakl_operator")
    def _onchange_mirakl_operator(self):
        if self.backend_type != "mirakl" or not self.mirakl_operator:
            return
        profile = get_profile(self.mirakl_operator)
        self.import_state_ids = self._mirakl_states(profile.import_states)
        if not self.name:
            self.name = profile.name

    def _offer_condition_labels(self):
        """Mirakl's default offer states (OF61); an operator may add its own."""
        labels = super()._offer_condition_labels()
        if self._is_offer_condition_table("mirakl"):
            labels.update(
                {
                    "1": self.env._("Used - Like New"),
                    "2": self.env._("Used - Very Good"),
                    "3": self.env._("Used - Good"),
                    "4": self.env._("Used - Acceptable"),
                    "5": self.env._("Collectible - Like New"),
                    "6": self.env._("Collectible - Very Good"),
                    "7": self.env._("Collectible - Good"),
                    "8": self.env._("Collectible - Acceptable"),
                    "10": self.env._("Refurbished"),
                    "11": self.env._("New"),
                }
            )
        return labels

    def _mirakl_states(self, codes):
        return self.env["mp.marketplace.state"].search(
            [("backend_type", "=", "mirakl"), ("code", "in", list(codes))]
        )

    def action_mirakl_apply_profile(self):
        """Apply the operator's presets: imported states and carriers."""
        self._mirakl_check_type()
        for backend in self.filtered(lambda b: b.backend_type == "mirakl"):
            backend = in_company_lang(backend, backend.company_id)
            profile = get_profile(backend.mirakl_operator)
            self.env["mp.carrier.mapping"]._match_carriers(
                backend, [(code, [name]) for name, code in profile.carriers]
            )
            backend.import_state_ids = [
                Command.set(backend._mirakl_states(profile.import_states).ids)
            ]
            backend.message_post(
                body=backend.env._("Presets of %s applied.", profile.name)
            )
        return True

    def _mirakl_check_type(self):
        if not self.filtered(lambda b: b.backend_type == "mirakl"):
            raise UserError(self.env._("This action only applies to Mirakl accounts."))

    def action_mirakl_fetch_carriers(self):
        self._mirakl_check_type()
        backends = self.filtered(lambda b: b.backend_type == "mirakl")
        return backends._enqueue_carrier_fetch()

    # ------------------------------------------------------------------
    # client and mapping
    # ------------------------------------------------------------------
    def _client_settings(self):
        settings = super()._client_settings()
        if self.backend_type == "mirakl":
            settings["mirakl_shop_id"] = (self.mirakl_shop_id or "").strip()
        return settings

    def _build_client(self, settings):
        if settings["backend_type"] != "mirakl":
            return super()._build_client(settings)
        return MiraklClient(
            settings["endpoint_url"],
            settings["api_key"],
            shop_id=settings.get("mirakl_shop_id") or None,
            timeout=settings["timeout"],
        )
