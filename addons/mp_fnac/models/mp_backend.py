from mphub.fnac.client import FnacClient

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError

API_URL = "https://vendeur.fnac.com/api.php"
# the kind of the account's token in mp.backend.token
TOKEN_KIND = "fnac"
# States whose orders become sale orders by default: from the seller's
# decision on (Created waits for it), until the order is ready to ship
DEFAULT_IMPORT_STATES = ("Created", "Accepted", "ToShip")
MANAGER = "mp_connector_base.group_mp_connector_base_manager"


class MpBackend(models.Model):
    _inherit = "mp.backend"

    backend_type = fields.Selection(
        selection_add=[("fnac", "Fnac Darty")], ondelete={"fnac": "cascade"}
    )
    fnac_shop_kind = fields.Selection(
        [("fnac", "Fnac"), ("darty", "Darty")],
        string="Fnac Darty Shop",
        default="fnac",
        help="Whether the shop sells on Fnac or on Darty. Both are served by "
        "the same API and endpoint: only the shop ID and key differ.",
    )
    fnac_partner_id = fields.Char(
        string="Fnac Partner ID",
        help="The partner id (a uuid) Fnac Darty gave the seller. A seller "
        "selling on Fnac and on Darty has one partner id and one shop per "
        "marketplace: create one account per shop, each with the same "
        "partner id and its own shop id and key.",
    )
    fnac_shop_id = fields.Char(
        string="Fnac Shop ID",
        copy=False,
        help="The shop id (a uuid) of this shop; one account per shop.",
    )
    fnac_key = fields.Char(
        string="Fnac API Key",
        copy=False,
        groups=MANAGER,
        help="The key of the shop's API access, given by Fnac Darty with the "
        "shop id. Only managers can read it; it is never written to logs or "
        "to the chatter.",
    )
    fnac_key_set = fields.Boolean(
        string="Fnac API Key Set",
        compute="_compute_fnac_key_set",
        help="Whether the shop's key is stored, without revealing it.",
    )

    @api.depends("backend_type")
    def _compute_fnac_key_set(self):
        for backend, key in zip(self, self.sudo().mapped("fnac_key"), strict=True):
            backend.fnac_key_set = bool(key)

    @api.constrains(
        "backend_type", "fnac_partner_id", "fnac_shop_id", "company_id", "active"
    )
    def _check_fnac_shop_unique(self):
        """One active account per Fnac Darty shop and company: two accounts
        on one shop would import its orders twice."""
        for backend in self.filtered(
            lambda b: b.backend_type == "fnac" and b.active and b.fnac_shop_id
        ):
            key = backend._fnac_shop_key()
            others = self.sudo().search(
                [
                    ("id", "!=", backend.id),
                    ("backend_type", "=", "fnac"),
                    ("company_id", "=", backend.company_id.id),
                    ("fnac_shop_id", "!=", False),
                ]
            )
            twin = others.filtered(lambda b, key=key: b._fnac_shop_key() == key)
            if twin:
                raise ValidationError(
                    self.env._(
                        "The Fnac Darty shop %(shop)s of partner %(partner)s is "
                        "already the shop of the account %(account)s: one account "
                        "per shop and company.",
                        shop=backend.fnac_shop_id,
                        partner=backend.fnac_partner_id or "-",
                        account=twin[0].name,
                    )
                )

    def _fnac_shop_key(self):
        """(partner id, shop id), as Fnac compares them (uuids)."""
        return tuple(
            (value or "").strip().lower()
            for value in (self.fnac_partner_id, self.fnac_shop_id)
        )

    # ------------------------------------------------------------------
    # defaults
    # ------------------------------------------------------------------
    @api.onchange("backend_type")
    def _onchange_fnac_backend_type(self):
        """Fnac's endpoint and imported states for a new Fnac account."""
        if self.backend_type != "fnac":
            return
        if not self.endpoint_url:
            self.endpoint_url = API_URL
        if not self.import_state_ids:
            self.import_state_ids = self._fnac_states(DEFAULT_IMPORT_STATES)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("backend_type") != "fnac":
                continue
            if not vals.get("endpoint_url"):
                vals["endpoint_url"] = API_URL
            if "import_state_ids" not in vals:
                states = self._fnac_states(DEFAULT_IMPORT_STATES)
                vals["import_state_ids"] = [Command.set(states.ids)]
        return super().create(vals_list)

    def _fnac_states(self, codes):
        return self.env["mp.marketplace.state"].search(
            [("backend_type", "=", "fnac"), ("code", "in", list(codes))]
        )

    def _mp_secret_fields(self):
        return super()._mp_secret_fields() + ["fnac_key"]

    def _offer_condition_labels(self):
        """Fnac's product states (state.xsd ``product_state``)."""
        labels = super()._offer_condition_labels()
        if self._is_offer_condition_table("fnac"):
            labels.update(
                {
                    "11": self.env._("New"),
                    "10": self.env._("Refurbished"),
                    "1": self.env._("Used - Like New"),
                    "2": self.env._("Used - Very Good"),
                    "3": self.env._("Used - Good"),
                    "4": self.env._("Used - Correct"),
                    "5": self.env._("Collectible - Like New"),
                    "6": self.env._("Collectible - Very Good"),
                    "7": self.env._("Collectible - Good"),
                    "8": self.env._("Collectible - Correct"),
                }
            )
        return labels

    # ------------------------------------------------------------------
    # carriers
    # ------------------------------------------------------------------
    def action_fnac_fetch_carriers(self):
        backends = self.filtered(lambda b: b.backend_type == "fnac")
        if not backends:
            raise UserError(
                self.env._("This action only applies to Fnac Darty accounts.")
            )
        return backends._enqueue_carrier_fetch()

    # ------------------------------------------------------------------
    # client
    # ------------------------------------------------------------------
    def _client_settings(self):
        settings = super()._client_settings()
        if self.backend_type == "fnac":
            backend = self.sudo()
            settings.update(
                endpoint_url=settings["endpoint_url"] or API_URL,
                fnac_partner_id=(backend.fnac_partner_id or "").strip(),
                fnac_shop_id=(backend.fnac_shop_id or "").strip(),
                fnac_key=(backend.fnac_key or "").strip(),
                fnac_shop_kind=backend.fnac_shop_kind or "fnac",
            )
        return settings

    def _build_client(self, settings):
        if settings["backend_type"] != "fnac":
            return super()._build_client(settings)
        return FnacClient(
            settings["endpoint_url"],
            settings["fnac_partner_id"],
            settings["fnac_shop_id"],
            settings["fnac_key"],
            timeout=settings["timeout"],
            # every worker and host of the database shares the shop's token
            token_store=self.env["mp.backend.token"]._token_store(
                self, TOKEN_KIND, settings["fnac_key"]
            ),
        )

    def _credentials_hint(self):
        if self.backend_type != "fnac":
            return super()._credentials_hint()
        return self.env._(
            "Check the partner ID, the shop ID and the API key in the Connection "
            "tab: Fnac Darty gives them with the shop's API access, one shop ID "
            "and key per shop (Fnac or Darty) of the same partner."
        )
