"""Cdiscount client: one account type, two API generations.

``CdiscountClient`` is what the addon builds: it speaks the business verbs
of ``mphub.client.MarketplaceClient`` through the generation the account
uses, the Octopia Seller API v2 (``rest.OctopiaRest``, the default) or the
legacy SOAP Marketplace API (``soap.CdiscountSoap``, zeep), which Octopia is
closing.

What the client knows of raw payloads (``map_order``, ``external_id``,
``raw_state``) does not depend on the generation the account uses now: the
shape of each payload says which generation stored it (a SOAP order has an
``OrderNumber``), so orders imported before an account switched from SOAP to
REST still map, replay and export their status.
"""

from ..client import MarketplaceClient
from ..errors import ConfigError
from ..http import DEFAULT_TIMEOUT
from ..offers import OfferRow
from . import rest_mapping, soap_mapping
from .common import SALES_CHANNEL
from .rest import MAX_PAGE_SIZE, OctopiaRest

GENERATIONS = ("rest", "soap")
MAX_PUSH_ROWS = 5000  # offers per package


class CdiscountClient(MarketplaceClient):
    capabilities = frozenset(
        {
            "accept",
            "ship",
            "listings",
            "push_stock",
            "push_prices",
            "push_offers",
            "push_status",
            "carriers",
        }
    )
    pushes_both = True
    max_push_rows = MAX_PUSH_ROWS

    def __init__(
        self,
        generation="rest",
        *,
        api_url=None,
        auth_url=None,
        client_id=None,
        client_secret=None,
        seller_id=None,
        sales_channel=SALES_CHANNEL,
        soap_url=None,
        sts_url=None,
        login=None,
        password=None,
        timeout=DEFAULT_TIMEOUT,
        token_store=None,
        package_host=None,
        page_size=MAX_PAGE_SIZE,
    ):
        if generation not in GENERATIONS:
            raise ConfigError(
                f"Unknown Cdiscount API {generation!r}: choose 'rest' or 'soap'."
            )
        self.generation = generation
        if generation == "rest":
            self.api = OctopiaRest(
                api_url=api_url,
                auth_url=auth_url,
                client_id=client_id,
                client_secret=client_secret,
                seller_id=seller_id,
                sales_channel=sales_channel,
                timeout=timeout,
                token_store=token_store,
                page_size=page_size,
            )
        else:
            from .soap import CdiscountSoap  # zeep is only needed for SOAP

            self.api = CdiscountSoap(
                soap_url=soap_url,
                sts_url=sts_url,
                login=login,
                password=password,
                timeout=timeout,
                token_store=token_store,
                package_host=package_host,
                page_size=page_size,
            )

    # -- facts of the generation -------------------------------------------------
    @property
    def ships_per_delivery(self):
        """REST declares each delivery's lines; SOAP ships whole orders."""
        return getattr(self.api, "ships_per_delivery", self.generation == "rest")

    @property
    def complete_offer_rows(self):
        """SOAP packages replace both the stock and the price of an offer:
        each row must carry both; REST packages take either."""
        return getattr(self.api, "complete_offer_rows", False)

    @property
    def transport(self):
        return getattr(self.api, "transport", None)

    def close(self):
        self.api.close()

    # -- raw payloads, whichever generation stored them ------------------------
    @staticmethod
    def _mapping(raw):
        return soap_mapping if soap_mapping.is_soap_order(raw) else rest_mapping

    def external_id(self, raw):
        return self._mapping(raw).external_id(raw)

    def raw_state(self, raw):
        return self._mapping(raw).raw_state(raw)

    def map_order(self, raw):
        return self._mapping(raw).map_order(raw)

    def listing_parts(self, raw):
        return self.api.listing_parts(raw)

    # -- business verbs, delegated ---------------------------------------------
    def test_connection(self):
        return self.api.test_connection()

    def list_orders(self, updated_since, page=None, updated_before=None):
        return self.api.list_orders(updated_since, page, updated_before)

    def get_orders(self, external_ids):
        return self.api.get_orders(external_ids)

    def accept_order(self, external_id, decisions, raw=None):
        return self.api.accept_order(external_id, decisions, raw)

    def ship_order(self, external_id, shipment):
        return self.api.ship_order(external_id, shipment)

    def list_carriers(self):
        """The carriers as ``{code, label, tracking_url}`` dicts."""
        return self.api.list_carriers()

    def list_listings(self, page=None):
        return self.api.list_listings(page)

    def push_offers(self, rows):
        return self.api.push_offers(rows)

    def push_stock(self, rows):
        push = getattr(self.api, "push_stock", None)
        if push is not None:
            return push(rows)
        return self.push_offers([OfferRow(r.sku, quantity=r.quantity) for r in rows])

    def push_prices(self, rows):
        push = getattr(self.api, "push_prices", None)
        if push is not None:
            return push(rows)
        return self.push_offers([OfferRow(r.sku, price=r.price) for r in rows])

    def push_status(self, kind, batch_id, skus=None):
        return self.api.push_status(kind, batch_id, skus)
