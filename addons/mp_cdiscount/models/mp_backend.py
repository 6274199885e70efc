from datetime import timedelta

from mphub.cdiscount.client import CdiscountClient

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.mp_connector_base.services.fulfilment import MarketplaceFulfilment

from ..services.offer_packages import KEEP_DAYS, PackageHost
from ..services.offer_packages import package_domain as offer_package_domain

REST_API_URL = "https://api.octopia-io.net/seller/v2"
REST_AUTH_URL = (
    "https://auth.octopia-io.net/auth/realms/maas/protocol/openid-connect/token"
)
SOAP_URL = "https://wsvc.cdiscount.com/MarketplaceAPIService.svc"
STS_URL = "https://sts.cdiscount.com/users/httpIssue.svc/"
SALES_CHANNEL = "CDISFR"
# States whose orders become sale orders by default, per API generation:
# from the seller's decision on; fulfilment orders (prefixed FBC:) once
# Cdiscount prepares or ships them from its own stock
DEFAULT_IMPORT_STATES = {
    "rest": (
        "WaitingAcceptance",
        "Accepted",
        "InPreparation",
        "FBC:InPreparation",
        "FBC:Shipped",
    ),
    "soap": (
        "WaitingForSellerAcceptation",
        "AcceptedBySeller",
        "PaymentInProgress",
        "WaitingForShipmentAcceptation",
        "FBC:WaitingForShipmentAcceptation",
        "FBC:Shipped",
    ),
}
# the URL fields of each generation and their defaults
DEFAULT_URLS = {
    "rest": {"endpoint_url": REST_API_URL, "cdiscount_auth_url": REST_AUTH_URL},
    "soap": {"cdiscount_soap_url": SOAP_URL, "cdiscount_sts_url": STS_URL},
}
MANAGER = "mp_connector_base.group_mp_connector_base_manager"


class MpBackend(models.Model):
    _inherit = "mp.backend"

    backend_type = fields.Selection(
        selection_add=[("cdiscount", "Cdiscount")], ondelete={"cdiscount": "cascade"}
    )
    cdiscount_api = fields.Selection(
        [
            ("rest", "Octopia REST API"),
            ("soap", "SOAP Marketplace API (being closed by Octopia)"),
        ],
        string="Cdiscount API",
        default="rest",
        required=True,
        help="The API the account talks to. Octopia's seller REST API is the "
        "current one; the SOAP Marketplace API only serves accounts that "
        "still have access, until Octopia closes it. Orders already stored "
        "are read whatever the API they came from.",
    )
    cdiscount_seller_id = fields.Char(
        string="Octopia Seller ID",
        help="The numeric seller id Octopia gave the account (sent as the "
        "SellerId header of the REST API).",
    )
    cdiscount_sales_channel = fields.Char(
        string="Sales Channel (Octopia)",
        default=SALES_CHANNEL,
        help="Octopia sales channel of the orders and offers (CDISFR: "
        "Cdiscount France).",
    )
    cdiscount_client_id = fields.Char(
        string="Octopia Client ID",
        copy=False,
        groups=MANAGER,
        help="Client id of the Octopia API credentials (developer.octopia-io.net).",
    )
    cdiscount_client_secret = fields.Char(
        string="Octopia Client Secret", copy=False, groups=MANAGER
    )
    cdiscount_auth_url = fields.Char(
        string="Octopia Token URL",
        default=REST_AUTH_URL,
        help="Where the REST API's access tokens are obtained (OAuth2).",
    )
    cdiscount_soap_url = fields.Char(
        string="SOAP Service URL",
        default=SOAP_URL,
        help="The SOAP Marketplace API service; its WSDL is read from it.",
    )
    cdiscount_sts_url = fields.Char(
        string="SOAP Token URL",
        default=STS_URL,
        help="Cdiscount's token service of the SOAP API.",
    )
    cdiscount_login = fields.Char(
        string="SOAP API Login",
        copy=False,
        groups=MANAGER,
        help="Login of the SOAP API user (the seller back office's API "
        "settings), usually <shop>-api.",
    )
    cdiscount_password = fields.Char(
        string="SOAP API Password", copy=False, groups=MANAGER
    )
    cdiscount_credentials_set = fields.Boolean(
        compute="_compute_cdiscount_credentials_set",
        help="Whether the credentials of the account's API are stored, "
        "without revealing them.",
    )
    cdiscount_fulfilment_warehouse_id = fields.Many2one(
        "stock.warehouse",
        check_company=True,
        help="Stock held by Cdiscount (Fulfilment by Cdiscount): fulfilment "
        "orders are delivered from it at once, with nothing to ship. Created "
        "when the first fulfilment order arrives if empty.",
    )
    cdiscount_offer_package = fields.Binary(
        string="Cdiscount Offer Packages",
        attachment=True,
        copy=False,
        readonly=True,
        groups="base.group_system",
        help="The offer packages Cdiscount downloads (SOAP API) are "
        "attachments of this field, kept a few days.",
    )

    @api.depends("backend_type", "cdiscount_api")
    def _compute_cdiscount_credentials_set(self):
        for backend in self:
            secrets = backend.sudo()
            if backend.cdiscount_api == "soap":
                given = secrets.cdiscount_login and secrets.cdiscount_password
            else:
                given = secrets.cdiscount_client_id and secrets.cdiscount_client_secret
            backend.cdiscount_credentials_set = bool(given)

    # ------------------------------------------------------------------
    # defaults
    # ------------------------------------------------------------------
    @api.onchange("backend_type", "cdiscount_api")
    def _onchange_cdiscount_api(self):
        """The default URLs of the generation, and its imported states when
        the account has none of them yet."""
        if self.backend_type != "cdiscount":
            return
        generation = self.cdiscount_api or "rest"
        for name, url in DEFAULT_URLS[generation].items():
            if not self[name]:
                self[name] = url
        defaults = DEFAULT_IMPORT_STATES[generation]
        # the states of this generation only (both share "FBC:Shipped")
        own = set(defaults).difference(
            *(
                codes
                for name, codes in DEFAULT_IMPORT_STATES.items()
                if name != generation
            )
        )
        if not set(self.import_state_ids.mapped("code")) & own:
            self.import_state_ids |= self._cdiscount_states(defaults)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("backend_type") != "cdiscount":
                continue
            generation = vals.get("cdiscount_api") or "rest"
            if not vals.get("endpoint_url"):
                vals["endpoint_url"] = REST_API_URL
            if "import_state_ids" not in vals:
                states = self._cdiscount_states(DEFAULT_IMPORT_STATES[generation])
                vals["import_state_ids"] = [Command.set(states.ids)]
        return super().create(vals_list)

    def _cdiscount_states(self, codes):
        return self.env["mp.marketplace.state"].search(
            [("backend_type", "=", "cdiscount"), ("code", "in", list(codes))]
        )

    def _mp_secret_fields(self):
        return super()._mp_secret_fields() + [
            "cdiscount_client_id",
            "cdiscount_client_secret",
            "cdiscount_login",
            "cdiscount_password",
        ]

    def _offer_condition_labels(self):
        """Cdiscount's product conditions (ProductConditionEnum)."""
        labels = super()._offer_condition_labels()
        if self._is_offer_condition_table("cdiscount"):
            labels.update(
                {
                    "New": self.env._("New"),
                    "LikeNew": self.env._("Used - Like New"),
                    "VeryGoodState": self.env._("Used - Very Good"),
                    "GoodState": self.env._("Used - Good"),
                    "AverageState": self.env._("Used - Average"),
                    "Refurbished": self.env._("Refurbished"),
                }
            )
        return labels

    # ------------------------------------------------------------------
    # carriers
    # ------------------------------------------------------------------
    def action_cdiscount_fetch_carriers(self):
        backends = self.filtered(lambda b: b.backend_type == "cdiscount")
        if not backends:
            raise UserError(
                self.env._("This action only applies to Cdiscount accounts.")
            )
        return backends._enqueue_carrier_fetch()

    # ------------------------------------------------------------------
    # client
    # ------------------------------------------------------------------
    def _client_settings(self):
        settings = super()._client_settings()
        if self.backend_type == "cdiscount":
            backend = self.sudo()

            def text(name):
                return (backend[name] or "").strip()

            settings.update(
                cdiscount_api=backend.cdiscount_api or "rest",
                cdiscount_seller_id=text("cdiscount_seller_id"),
                cdiscount_sales_channel=text("cdiscount_sales_channel")
                or SALES_CHANNEL,
                cdiscount_client_id=text("cdiscount_client_id"),
                cdiscount_client_secret=text("cdiscount_client_secret"),
                cdiscount_auth_url=text("cdiscount_auth_url") or REST_AUTH_URL,
                cdiscount_soap_url=text("cdiscount_soap_url") or SOAP_URL,
                cdiscount_sts_url=text("cdiscount_sts_url") or STS_URL,
                cdiscount_login=text("cdiscount_login"),
                cdiscount_password=text("cdiscount_password"),
            )
        return settings

    def _build_client(self, settings):
        if settings["backend_type"] != "cdiscount":
            return super()._build_client(settings)
        generation = settings["cdiscount_api"]
        dbname = self.env.cr.dbname
        secret = settings[
            "cdiscount_password" if generation == "soap" else "cdiscount_client_secret"
        ]
        return CdiscountClient(
            generation,
            api_url=settings["endpoint_url"] or REST_API_URL,
            auth_url=settings["cdiscount_auth_url"],
            client_id=settings["cdiscount_client_id"],
            client_secret=settings["cdiscount_client_secret"],
            seller_id=settings["cdiscount_seller_id"],
            sales_channel=settings["cdiscount_sales_channel"],
            soap_url=settings["cdiscount_soap_url"],
            sts_url=settings["cdiscount_sts_url"],
            login=settings["cdiscount_login"],
            password=settings["cdiscount_password"],
            timeout=settings["timeout"],
            # every worker and host of the database shares the token
            token_store=self.env["mp.backend.token"]._token_store(
                self, generation, secret
            ),
            package_host=PackageHost(dbname, self.id),
        )

    def _credentials_hint(self):
        if self.backend_type != "cdiscount":
            return super()._credentials_hint()
        if self.cdiscount_api == "soap":
            return self.env._(
                "Check the API login and password in the Connection tab (the "
                "seller back office's API settings). Octopia is closing the SOAP "
                "API: if the account no longer has access, switch it to the "
                "Octopia REST API."
            )
        return self.env._(
            "Check the seller ID and the Octopia client ID and secret in the "
            "Connection tab (developer.octopia-io.net)."
        )

    # ------------------------------------------------------------------
    # fulfilment and offer packages
    # ------------------------------------------------------------------
    def _cdiscount_fulfilment(self):
        return MarketplaceFulfilment(self, "cdiscount_fulfilment_warehouse_id", "FBC")

    def _cdiscount_fulfilment_warehouse(self):
        """The warehouse of the stock Cdiscount holds, created on first use."""
        self.ensure_one()
        return self._cdiscount_fulfilment().warehouse(
            self.env._("Cdiscount Fulfilment (%s)", self.name),
            lambda warehouse: self.env._(
                "Warehouse %s created for the stock Cdiscount holds "
                "(Fulfilment by Cdiscount).",
                warehouse.name,
            ),
        )

    @api.model
    def _cron_clean_cdiscount_packages(self, days=KEEP_DAYS):
        """Remove the offer packages sent more than ``days`` days ago:
        Cdiscount has downloaded them and keeps their report no longer."""
        limit = fields.Datetime.now() - timedelta(days=days)
        packages = (
            self.env["ir.attachment"]
            .sudo()
            .search([*offer_package_domain(), ("create_date", "<", limit)])
        )
        packages.unlink()
        return len(packages)
