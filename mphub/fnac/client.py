"""The Fnac Darty seller API client (XML over POST).

One client per shop: Fnac and Darty shops share the endpoint
(``https://vendeur.fnac.com/api.php``) and a partner id, each with its shop
id and key. The transport, token and error rules are ``xmlapi.FnacApi``'s;
the verbs are split by topic:

- orders (here): ``list_orders`` pages orders_query by update date
  (``answers.Walk``: the page token is ``<page>|<min>|<max>|<smallest
  total seen>``, the window's end fixed on the first page, a step back when
  orders left the window during the walk); ``get_orders`` asks 50 order ids
  per orders_query; ``list_carriers`` is carriers_query;
- acceptance and shipments: ``statuses`` (orders_update, 25 orders per
  call: ``status_batch_size``);
- offers: ``offers`` (offers_update, batch_status, offers_query);
- competitors' prices: ``competitors`` (pricing_query, 10 products per call);
- buyers' messages and incidents: ``messages_api``.

The raw order payload is the ``order`` element as ``payload.element_to_json``
makes it; the mapping (``mapping``) reads it.
"""

from ..client import MarketplaceClient, OrderPage
from ..tokens import utc_now
from . import mapping, requests
from .answers import Walk, page_info, read_carriers, read_orders
from .competitors import FnacCompetitorsMixin
from .messages_api import FnacMessagesMixin
from .offers import FnacOffersMixin
from .payload import CARRIERS_LISTS, ORDER_LISTS
from .statuses import FnacStatusMixin
from .xmlapi import PRODUCTION_URL, FnacApi, aware, text_of

MAX_PAGE_SIZE = 500  # orders per orders_query page (results_count)
MAX_IDS = 50  # order ids per orders_query (orders_fnac_id)
ORDER_DOC_LISTS = (*ORDER_LISTS, "order")


class FnacClient(
    FnacStatusMixin,
    FnacOffersMixin,
    FnacMessagesMixin,
    FnacCompetitorsMixin,
    MarketplaceClient,
):
    """The business verbs of one Fnac Darty shop."""

    capabilities = frozenset(
        {
            "accept",
            "ship",
            "listings",
            "push_offers",
            "push_status",
            "carriers",
            "messages",
            "competitors",
        }
    )
    ships_per_delivery = False

    def __init__(
        self, base_url, partner_id, shop_id, key, *, page_size=100, **settings
    ):
        """``settings``: ``timeout``, ``token_store`` (``mphub.tokens``; by
        default one per process), ``session`` (a ``requests.Session``), as
        ``xmlapi.FnacApi`` takes them."""
        self.api = FnacApi(
            base_url or PRODUCTION_URL, partner_id, shop_id, key, **settings
        )
        self.transport = self.api.transport
        self.partner_id, self.shop_id = self.api.partner_id, self.api.shop_id
        self.page_size = max(1, min(int(page_size or 100), MAX_PAGE_SIZE))

    def _post(self, service, root, lists=()):
        return self.api.post(service, root, lists)

    # -- raw orders ----------------------------------------------------------
    def external_id(self, raw):
        return mapping.external_id(raw)

    def raw_state(self, raw):
        return mapping.raw_state(raw)

    def map_order(self, raw):
        return mapping.map_order(raw)

    # -- verbs ---------------------------------------------------------------
    def test_connection(self):
        """A fresh ``auth`` (the key is checked now, not a cached token),
        kept for the next calls."""
        token, validity = self.api.authenticate()
        self.api.keeper.store.put(self.api.keeper.key, token, validity)
        return {
            "name": f"Fnac shop {self.shop_id}",
            "shop_id": self.shop_id,
            "partner_id": self.partner_id,
            "token_valid_until": validity.isoformat(),
        }

    def list_orders(self, updated_since, page=None, updated_before=None):
        if page:
            walk = Walk.load(page, "orders_query")
        else:
            end = updated_before or utc_now()
            walk = Walk(1, aware(updated_since), aware(end))
        root = requests.orders_query(walk.page, self.page_size, walk.begin, walk.end)
        doc = self._post("orders_query", root, ORDER_DOC_LISTS)
        orders = read_orders(doc, "orders_query")
        info = page_info(doc)
        following = walk.following(info, self.page_size, "orders_query")
        return OrderPage(
            orders=orders,
            next_page=following.dump() if following else None,
            total=info.total,
        )

    def get_orders(self, external_ids):
        """The orders of ``external_ids`` (ids that cannot be Fnac's, not
        13 characters, are left out, as unknown ones are), in that order."""
        wanted = list(
            dict.fromkeys(
                str(i).strip()
                for i in external_ids
                if i and len(str(i).strip()) == requests.ORDER_ID_LENGTH
            )
        )
        found = {}
        for start in range(0, len(wanted), MAX_IDS):
            chunk = wanted[start : start + MAX_IDS]
            root = requests.orders_query(1, MAX_IDS, order_ids=chunk)
            doc = self._post("orders_query", root, ORDER_DOC_LISTS)
            for raw in read_orders(doc, "orders_query"):
                order_id = text_of(raw.get("order_id")) if isinstance(raw, dict) else ""
                if order_id in chunk:
                    found.setdefault(order_id, raw)
        return [found[order_id] for order_id in wanted if order_id in found]

    def list_carriers(self):
        doc = self._post("carriers_query", requests.carriers_query(), CARRIERS_LISTS)
        return read_carriers(doc)
