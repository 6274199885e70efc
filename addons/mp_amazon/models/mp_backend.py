from mphub.amazon.client import AmazonClient
from mphub.amazon.marketplaces import LWA_URL, REGIONS

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.mp_connector_base.services.fulfilment import (
    MarketplaceFulfilment,
    warehouse_code,
)
from odoo.addons.mp_connector_base.services.stored_text import in_company_lang

# Amazon carrier codes (confirmShipment carrierCode) and the names Odoo
# shipping methods usually have
CARRIER_CODES = (
    ("Colissimo", ("colissimo",)),
    ("Chronopost", ("chronopost",)),
    ("La Poste", ("la poste", "lettre suivie")),
    ("Mondial Relay", ("mondial relay",)),
    ("DPD", ("dpd",)),
    ("GLS", ("gls",)),
    ("UPS", ("ups",)),
    ("DHL", ("dhl",)),
    ("FedEx", ("fedex",)),
    ("TNT", ("tnt",)),
    ("Colis Prive", ("colis privé", "colis prive")),
    ("Geodis", ("geodis",)),
    ("DB Schenker", ("schenker",)),
    ("Hermes", ("hermes", "evri")),
    ("Royal Mail", ("royal mail",)),
)
DEFAULT_IMPORT_STATES = ("Unshipped", "PartiallyShipped", "AFN:Shipped")


def fba_warehouse_code(account_id, taken=()):
    """A warehouse short name (5 characters at most) for the FBA stock of
    account ``account_id``, none of ``taken``: ``FBA<id>`` while it fits,
    else ``F<id in base 36>`` (``services.fulfilment.warehouse_code``)."""
    return warehouse_code("FBA", account_id, taken)


class MpBackend(models.Model):
    _inherit = "mp.backend"

    backend_type = fields.Selection(
        selection_add=[("amazon", "Amazon")], ondelete={"amazon": "cascade"}
    )
    amazon_region = fields.Selection(
        [(code, label) for code, (label, _url, _aws) in REGIONS.items()],
        default="eu",
        help="Selling Partner API region of the seller account; the endpoint "
        "URL follows it.",
    )
    amazon_seller_id = fields.Char(
        string="Seller ID",
        help="Merchant token of the seller account (Seller Central > Settings "
        "> Account Info > Merchant Token).",
    )
    amazon_lwa_client_id = fields.Char(
        string="LWA Client ID",
        copy=False,
        groups="mp_connector_base.group_mp_connector_base_manager",
        help="Login with Amazon client identifier of the application.",
    )
    amazon_lwa_client_secret = fields.Char(
        string="LWA Client Secret",
        copy=False,
        groups="mp_connector_base.group_mp_connector_base_manager",
    )
    amazon_refresh_token = fields.Char(
        string="Refresh Token",
        copy=False,
        groups="mp_connector_base.group_mp_connector_base_manager",
        help="Refresh token the seller gave the application when authorising "
        "it (Atzr|...). Only managers can read it.",
    )
    amazon_credentials_set = fields.Boolean(
        compute="_compute_amazon_credentials_set",
    )
    amazon_lwa_url = fields.Char(
        string="LWA Token URL",
        default=LWA_URL,
        help="Where access tokens are obtained (Login with Amazon).",
    )
    amazon_marketplace_ids = fields.Many2many(
        "mp.amazon.marketplace",
        string="Amazon Marketplaces",
        help="Marketplaces whose orders are imported; prices are pushed to "
        "those in the currency of the account's pricelist.",
    )
    amazon_competitor_api = fields.Selection(
        [
            ("item_offers", "Item offers (getItemOffersBatch)"),
            ("competitive_summary", "Competitive summary (2022-05-01)"),
        ],
        string="Competitors' Offers From",
        default="item_offers",
        required=True,
        help="What the repricing reads the competitors' offers of a product "
        "with. Item offers: up to 20 offers per product with their sellers' "
        "ratings and the buy box winner, 20 products every 10 seconds. "
        "Competitive summary: the featured offer per customer segment and the "
        "lowest priced offers, without ratings, 20 products every 30 seconds. "
        "Offers known by their SKU only (no ASIN yet) are read as item offers.",
    )
    amazon_orders_api = fields.Selection(
        [
            ("2026-01-01", "Orders API 2026-01-01"),
            ("v0", "Orders API v0 (removed on 27 March 2027)"),
        ],
        string="Orders API",
        default="2026-01-01",
        required=True,
        help="Version of Amazon's Orders API the orders are read with. "
        "2026-01-01 is the current one; v0 is a fallback until Amazon removes "
        "its order operations on 27 March 2027, after which a v0 account "
        "imports nothing and reports it. Orders already stored are read "
        "whatever their version; shipments are confirmed the same way with "
        "both.",
    )
    amazon_fba_warehouse_id = fields.Many2one(
        "stock.warehouse",
        string="FBA Warehouse",
        check_company=True,
        help="Stock held by Amazon (Fulfilment by Amazon): FBA orders are "
        "delivered from it at once, with nothing to ship. Created when the "
        "first FBA order arrives if empty.",
    )

    @api.depends("backend_type")
    def _compute_amazon_credentials_set(self):
        for backend in self:
            secrets = backend.sudo()
            backend.amazon_credentials_set = bool(
                secrets.amazon_refresh_token
                and secrets.amazon_lwa_client_id
                and secrets.amazon_lwa_client_secret
            )

    # ------------------------------------------------------------------
    # defaults
    # ------------------------------------------------------------------
    @api.onchange("backend_type", "amazon_region")
    def _onchange_amazon_region(self):
        if self.backend_type != "amazon":
            return
        region = REGIONS.get(self.amazon_region or "eu")
        if region and (
            not self.endpoint_url
            or self.endpoint_url in {url for _l, url, _a in REGIONS.values()}
        ):
            self.endpoint_url = region[1]
        if not self.import_state_ids:
            self.import_state_ids = self._amazon_states(DEFAULT_IMPORT_STATES)

    def _offer_condition_labels(self):
        """Amazon's ``condition_type`` values (Listings Items API)."""
        labels = super()._offer_condition_labels()
        if self._is_offer_condition_table("amazon"):
            labels.update(
                {
                    "new_new": self.env._("New"),
                    "new_open_box": self.env._("New - Open Box"),
                    "new_oem": self.env._("New - OEM"),
                    "refurbished_refurbished": self.env._("Refurbished"),
                    "used_like_new": self.env._("Used - Like New"),
                    "used_very_good": self.env._("Used - Very Good"),
                    "used_good": self.env._("Used - Good"),
                    "used_acceptable": self.env._("Used - Acceptable"),
                    "collectible_like_new": self.env._("Collectible - Like New"),
                    "collectible_very_good": self.env._("Collectible - Very Good"),
                    "collectible_good": self.env._("Collectible - Good"),
                    "collectible_acceptable": self.env._("Collectible - Acceptable"),
                    "club_club": self.env._("Club"),
                }
            )
        return labels

    def _amazon_states(self, codes):
        return self.env["mp.marketplace.state"].search(
            [("backend_type", "=", "amazon"), ("code", "in", list(codes))]
        )

    def _mp_secret_fields(self):
        return super()._mp_secret_fields() + [
            "amazon_lwa_client_id",
            "amazon_lwa_client_secret",
            "amazon_refresh_token",
        ]

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("backend_type") != "amazon":
                continue
            region = REGIONS.get(vals.get("amazon_region") or "eu")
            if not vals.get("endpoint_url") and region:
                vals["endpoint_url"] = region[1]
            if "import_state_ids" not in vals:
                vals["import_state_ids"] = [
                    Command.set(self._amazon_states(DEFAULT_IMPORT_STATES).ids)
                ]
            if "amazon_marketplace_ids" not in vals:
                france = self.env.ref(
                    "mp_amazon.marketplace_fr", raise_if_not_found=False
                )
                if france:
                    vals["amazon_marketplace_ids"] = [Command.set(france.ids)]
        return super().create(vals_list)

    def action_amazon_map_carriers(self):
        """Map the shipping methods whose name matches an Amazon carrier."""
        if not self.filtered(lambda b: b.backend_type == "amazon"):
            raise UserError(
                self.env._("Amazon carriers can only be mapped on Amazon accounts.")
            )
        for backend in self.filtered(lambda b: b.backend_type == "amazon"):
            backend = in_company_lang(backend, backend.company_id)
            mappings, _unmatched = self.env["mp.carrier.mapping"]._match_carriers(
                backend, CARRIER_CODES, exact=False, first_only=False
            )
            backend.message_post(
                body=backend.env._(
                    "%s shipping method(s) mapped to Amazon carriers.", len(mappings)
                )
            )
        return True

    # ------------------------------------------------------------------
    # client and mapping
    # ------------------------------------------------------------------
    def _client_settings(self):
        settings = super()._client_settings()
        if self.backend_type == "amazon":
            backend = self.sudo()
            currency = backend.pricelist_id.currency_id or backend.currency_id
            marketplaces = backend.amazon_marketplace_ids
            settings.update(
                amazon_region=REGIONS[backend.amazon_region or "eu"][2],
                amazon_seller_id=(backend.amazon_seller_id or "").strip(),
                amazon_client_id=(backend.amazon_lwa_client_id or "").strip(),
                amazon_client_secret=(backend.amazon_lwa_client_secret or "").strip(),
                amazon_refresh_token=(backend.amazon_refresh_token or "").strip(),
                amazon_lwa_url=(backend.amazon_lwa_url or LWA_URL).strip(),
                amazon_orders_api=backend.amazon_orders_api or "2026-01-01",
                amazon_competitor_api=backend.amazon_competitor_api or "item_offers",
                amazon_marketplaces=marketplaces.mapped("marketplace_id"),
                amazon_price_marketplaces=marketplaces.filtered(
                    lambda m: m.currency_id == currency
                ).mapped("marketplace_id"),
                amazon_currency=currency.name or "EUR",
                amazon_locale=(marketplaces[:1].language or "en_US"),
            )
        return settings

    def _build_client(self, settings):
        if settings["backend_type"] != "amazon":
            return super()._build_client(settings)
        return AmazonClient(
            settings["endpoint_url"],
            settings["amazon_refresh_token"],
            settings["amazon_client_id"],
            settings["amazon_client_secret"],
            settings["amazon_seller_id"],
            settings["amazon_marketplaces"],
            lwa_url=settings["amazon_lwa_url"],
            region=settings["amazon_region"],
            timeout=settings["timeout"],
            price_marketplace_ids=settings["amazon_price_marketplaces"],
            currency=settings["amazon_currency"],
            issue_locale=settings["amazon_locale"],
            orders_version=settings["amazon_orders_api"],
            competitor_api=settings["amazon_competitor_api"],
            # every worker and host of the database shares the quota
            rate_store=self.env["mp.rate.bucket"]._rate_store(),
        )

    def _credentials_hint(self):
        if self.backend_type == "amazon":
            return self.env._(
                "Check the seller ID, the LWA client ID and secret and the refresh "
                "token in the Connection tab; the seller may have to authorise the "
                "application again."
            )
        return super()._credentials_hint()

    # ------------------------------------------------------------------
    # FBA
    # ------------------------------------------------------------------
    def _amazon_fulfilment(self):
        return MarketplaceFulfilment(self, "amazon_fba_warehouse_id", "FBA")

    def _amazon_fba_warehouse(self):
        """The FBA warehouse, created on first use (one transaction at a
        time: ``MarketplaceFulfilment.warehouse``)."""
        self.ensure_one()
        return self._amazon_fulfilment().warehouse(
            self.env._("Amazon FBA (%s)", self.name),
            lambda warehouse: self.env._(
                "Warehouse %s created for the stock Amazon holds (FBA).",
                warehouse.name,
            ),
        )
