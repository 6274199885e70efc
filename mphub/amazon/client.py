"""Amazon Selling Partner API client, on python-amazon-sp-api.

The library is used unmodified, pointed at any endpoint through its own
extension points: a marketplace object carrying the endpoint, and an LWA
client class carrying the token URL (so the sandbox, or Amazon's own sandbox
hosts, are one setting away). Every call first takes a token from the
account's client-side bucket (``throttle``), and the library's exceptions
become the core's (``mphub.errors``).

Orders go through an ``OrdersApi`` (``orders_v0`` today; the mapping and the
calls of Orders API v2026-01-01 can be switched in behind the same
interface). Stock and prices go through patchListingsItem for a few offers
and a JSON_LISTINGS_FEED above ``patch_max``; the feed id is the batch id
``push_status`` polls, whose processing report gives the per-SKU errors.
"""

import gzip
import hashlib
import json
import logging
import time
import types
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import urlsplit

import httpx
from sp_api.api import Feeds, ListingsItems, Orders
from sp_api.auth import AccessTokenClient
from sp_api.auth import access_token_client as sp_auth
from sp_api.auth.exceptions import AuthorizationError
from sp_api.base import exceptions as sp_errors

from ..client import MarketplaceClient, OrderPage, Outcome
from ..errors import (
    AuthError,
    ConfigError,
    InvalidPayload,
    NotFound,
    RemoteError,
    ThrottledError,
    TransientError,
)
from ..offers import Listing, ListingPage, PushStatus
from ..parsing import CENT, format_datetime
from .mapping import map_order
from .marketplaces import LWA_URL, by_id
from .throttle import Throttle, shared_throttle

_logger = logging.getLogger(__name__)
# the library logs request headers (access tokens) at debug level, and httpx
# every URL at info level, presigned feed document URLs included
logging.getLogger("sp_api").setLevel(logging.INFO)
logging.getLogger("httpx").setLevel(logging.WARNING)

RESTRICTED = ["buyerInfo", "shippingAddress"]
FEED_TYPE = "JSON_LISTINGS_FEED"
FEED_CONTENT_TYPE = "application/json; charset=UTF-8"
MAX_FEED_MESSAGES = 25000
IMPORT_LAG = timedelta(minutes=3)  # LastUpdatedBefore: at least 2 min before now
TRANSIENT_EXCEPTIONS = (
    sp_errors.SellingApiServerException,
    sp_errors.SellingApiTemporarilyUnavailableException,
    sp_errors.SellingApiGatewayTimeoutException,
)


def _lwa_client_class(lwa_url):
    """An LWA token client posting to ``lwa_url``, whose cached tokens are
    kept apart per token URL and application."""
    parts = urlsplit(lwa_url or LWA_URL)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"The LWA token URL {lwa_url!r} is not an http(s) URL.")

    def _get_cache_key(self, token_flavor=""):
        seed = "|".join(
            (
                parts.netloc,
                self.cred.client_id or "",
                self.cred.refresh_token or "",
                token_flavor,
            )
        )
        return "access_token_" + hashlib.sha256(seed.encode()).hexdigest()

    return type(
        "MphubLwaClient",
        (AccessTokenClient,),
        {
            "scheme": parts.scheme + "://",
            "host": parts.netloc,
            "path": parts.path or "/auth/o2/token",
            "_get_cache_key": _get_cache_key,
        },
    )


class AmazonClient(MarketplaceClient):
    """One Amazon seller account (selling partner) on its marketplaces.

    ``rate_store``: an ``execute(query, params)`` function of a PostgreSQL
    database (see ``throttle.SharedBucket``) to share the account's rate
    limits with every process using that database; without it they are
    shared within this process only.
    """

    max_push_rows = MAX_FEED_MESSAGES
    patch_max = 20  # up to this many offers: patchListingsItem, else a feed

    def __init__(
        self,
        endpoint,
        refresh_token,
        client_id,
        client_secret,
        seller_id,
        marketplace_ids,
        lwa_url=LWA_URL,
        region="eu-west-1",
        timeout=30,
        max_wait=20.0,
        page_budget=20.0,
        price_marketplace_ids=None,
        currency="EUR",
        issue_locale="en_US",
        rate_store=None,
    ):
        endpoint = (endpoint or "").rstrip("/")
        if not endpoint.startswith(("http://", "https://")):
            raise ConfigError("The Amazon endpoint must be an http(s) URL.")
        if not (refresh_token and client_id and client_secret):
            raise ConfigError(
                "The LWA refresh token, client id and client secret are required."
            )
        if not seller_id:
            raise ConfigError("The seller id (merchant token) is required.")
        marketplace_ids = [m for m in (marketplace_ids or ()) if m]
        if not marketplace_ids:
            raise ConfigError("Choose at least one Amazon marketplace.")
        self.endpoint = endpoint
        self.seller_id = seller_id
        self.marketplace_ids = marketplace_ids
        self.price_marketplace_ids = list(price_marketplace_ids or marketplace_ids)
        self.currency = currency
        self.issue_locale = issue_locale
        self.timeout = timeout
        self.max_wait = max_wait
        self.page_budget = page_budget
        self._secrets = (refresh_token, client_secret)
        self._kwargs = {
            "credentials": {
                "refresh_token": refresh_token,
                "lwa_app_id": client_id,
                "lwa_client_secret": client_secret,
            },
            "refresh_token": refresh_token,
            "auth_token_client_class": _lwa_client_class(lwa_url),
            "timeout": timeout,
        }
        self._marketplace = types.SimpleNamespace(
            endpoint=endpoint, marketplace_id=marketplace_ids[0], region=region
        )
        key = hashlib.sha256(f"{endpoint}|{seller_id}|{client_id}".encode())
        if rate_store:
            self.throttle = Throttle(shared=(rate_store, key.hexdigest()))
        else:
            self.throttle = shared_throttle(key.hexdigest())
        self._apis = {}
        self.orders_api = OrdersV0(self)

    # ------------------------------------------------------------------
    # plumbing
    # ------------------------------------------------------------------
    def api(self, cls, **extra):
        """The library's client ``cls`` for this account (cached)."""
        key = (cls, tuple(sorted(extra.items())))
        client = self._apis.get(key)
        if client is None:
            client = self._apis[key] = cls(self._marketplace, **self._kwargs, **extra)
        return client

    def close(self):
        for client in self._apis.values():
            try:
                client.close()
            except (AttributeError, httpx.HTTPError):
                pass
        self._apis = {}

    def _mask(self, text):
        text = str(text)
        for secret in self._secrets:
            if secret and len(secret) >= 4:
                text = text.replace(secret, "***")
        return text

    def call(self, operation, function, *args, **kwargs):
        """Call ``function`` (a library method) as Amazon's ``operation``:
        take a token first, follow the announced rate, map the errors. An
        access token refused (revoked, expired early) is renewed once."""
        try:
            return self._call(operation, function, *args, **kwargs)
        except AuthError as err:
            if err.status != 403:
                raise
            return self._call(operation, function, *args, **kwargs)

    def _call(self, operation, function, *args, **kwargs):
        self.throttle.acquire(operation, self.max_wait)
        bucket = self.throttle.bucket(operation)
        try:
            response = function(*args, **kwargs)
        except sp_errors.SellingApiRequestThrottledException as err:
            bucket.drain()
            self._follow_rate(bucket, err.headers)
            wait = max(1, int(bucket.wait_time() + 0.999))
            raise ThrottledError(
                f"{operation}: HTTP 429 {self._error_text(err)}",
                status=429,
                retry_after=min(wait, 900),
            ) from err
        except TRANSIENT_EXCEPTIONS as err:
            raise TransientError(
                f"{operation}: HTTP {err.code} {self._error_text(err)}",
                status=err.code,
            ) from err
        except sp_errors.SellingApiForbiddenException as err:
            self._forget_token()
            raise AuthError(
                f"{operation}: {self._error_text(err)}", status=403
            ) from err
        except sp_errors.SellingApiNotFoundException as err:
            raise NotFound(f"{operation}: {self._error_text(err)}") from err
        except sp_errors.SellingApiException as err:
            if type(err) is sp_errors.SellingApiException:
                # a status the library has no class for (502...): transient
                raise TransientError(
                    f"{operation}: HTTP 5xx {self._error_text(err)}"
                ) from err
            raise RemoteError(
                f"{operation}: {self._error_text(err)}",
                status=err.code,
                code=getattr(err, "amzn_code", None),
                body=err.error,
            ) from err
        except AuthorizationError as err:
            status = getattr(err, "status_code", None)
            if isinstance(status, int) and status >= 500:
                raise TransientError(
                    f"LWA token: HTTP {status}", status=status
                ) from err
            raise AuthError(
                self._mask(f"LWA token refused: {err.error_code} {err.message}"),
                status=status,
            ) from err
        except httpx.TimeoutException as err:
            raise TransientError(f"{operation}: timeout ({err})") from err
        except httpx.HTTPError as err:
            raise TransientError(self._mask(f"{operation}: {err}")) from err
        except ValueError as err:  # unreadable JSON
            raise TransientError(f"{operation}: unreadable answer ({err})") from err
        self._follow_rate(bucket, getattr(response, "headers", None))
        return response

    @staticmethod
    def _follow_rate(bucket, headers):
        if headers:
            rate = headers.get("x-amzn-RateLimit-Limit")
            if rate:
                bucket.set_rate(rate)

    def _error_text(self, err):
        errors = err.error if isinstance(getattr(err, "error", None), list) else []
        parts = [
            f"{e.get('code')}: {e.get('message')}"
            for e in errors
            if isinstance(e, dict)
        ]
        return self._mask("; ".join(parts) or str(err))

    def _forget_token(self):
        """Drop the cached access token (revoked, or the server restarted)."""
        for client in self._apis.values():
            auth = getattr(client, "_auth", None)
            if auth is not None:
                sp_auth.cache.pop(auth._get_cache_key(), None)

    @staticmethod
    def expect(response, *keys):
        """The payload of ``response``; a payload missing ``keys`` (an answer
        cut short) is a transient failure."""
        payload = response.payload if response is not None else None
        if not isinstance(payload, dict) or any(k not in payload for k in keys):
            raise TransientError(
                f"unreadable answer (missing {', '.join(keys) or 'payload'})"
            )
        return payload

    # ------------------------------------------------------------------
    # account
    # ------------------------------------------------------------------
    def test_connection(self):
        listings = self.api(ListingsItems)
        response = self.call(
            "searchListingsItems",
            listings.search_listings_items,
            self.seller_id,
            marketplaceIds=self.marketplace_ids[:1],
            pageSize=1,
        )
        payload = self.expect(response)
        names = [
            by_id(m).sales_channel if by_id(m) else m for m in self.marketplace_ids
        ]
        return {
            "name": f"{self.seller_id} ({', '.join(names)})",
            "listings": payload.get("numberOfResults"),
        }

    # ------------------------------------------------------------------
    # orders
    # ------------------------------------------------------------------
    def list_orders(self, updated_since, page=None, updated_before=None):
        return self.orders_api.list_orders(updated_since, page, updated_before)

    def get_orders(self, external_ids):
        return self.orders_api.get_orders(external_ids)

    def map_order(self, raw):
        return self.orders_api.map_order(raw)

    def accept_order(self, external_id, decisions):
        # Amazon orders need no acceptance: an Unshipped order is sold
        return Outcome.ALREADY

    def ship_order(self, external_id, shipment):
        return self.orders_api.confirm_shipment(external_id, shipment)

    # ------------------------------------------------------------------
    # offers
    # ------------------------------------------------------------------
    def list_listings(self, page=None):
        listings = self.api(ListingsItems)
        params = {
            "marketplaceIds": self.marketplace_ids[:1],
            "pageSize": 20,
            "includedData": "summaries,attributes,offers,fulfillmentAvailability",
        }
        if page:
            params["pageToken"] = page
        response = self.call(
            "searchListingsItems",
            listings.search_listings_items,
            self.seller_id,
            **params,
        )
        payload = self.expect(response, "items")
        good, invalid = [], []
        for item in payload["items"]:
            try:
                good.append(self._listing(item))
            except (InvalidPayload, TypeError, ValueError, ArithmeticError) as err:
                invalid.append((item, str(err)))
        token = response.next_token
        return ListingPage(
            listings=good,
            next_page=token or None,
            total=payload.get("numberOfResults"),
            invalid=invalid,
        )

    def _listing(self, item):
        if not isinstance(item, dict) or not item.get("sku"):
            raise InvalidPayload("listing without sku")
        main = self.marketplace_ids[0]
        summaries = [s for s in item.get("summaries") or () if isinstance(s, dict)]
        summary = next(
            (s for s in summaries if s.get("marketplaceId") == main),
            summaries[0] if summaries else {},
        )
        attributes = item.get("attributes") or {}
        eans = []
        for ident in attributes.get("externally_assigned_product_identifier") or ():
            value = ident.get("value") if isinstance(ident, dict) else None
            if value and value not in eans:
                eans.append(str(value))
        quantity = _listing_quantity(item, attributes)
        price, currency = _listing_price(item, attributes, main)
        status = summary.get("status") or []
        return Listing(
            sku=item["sku"],
            eans=tuple(eans),
            marketplace_product_id=summary.get("asin"),
            external_id=summary.get("asin"),
            quantity=quantity,
            price=price,
            currency=currency,
            condition=summary.get("conditionType"),
            active="BUYABLE" in status or not status,
            title=summary.get("itemName"),
            raw=item,
        )

    def _stock_patch(self, quantity):
        return {
            "op": "merge",
            "path": "/attributes/fulfillment_availability",
            "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": quantity}],
        }

    def _price_patch(self, price):
        # merge: the B2B offer and the other attributes of the offer stay
        return {
            "op": "merge",
            "path": "/attributes/purchasable_offer",
            "value": [
                {
                    "marketplace_id": marketplace_id,
                    "currency": self.currency,
                    "audience": "ALL",
                    "our_price": [{"schedule": [{"value_with_tax": float(price)}]}],
                }
                for marketplace_id in self.price_marketplace_ids
            ],
        }

    pushes_both = True  # one message patches quantity and price

    def push_stock(self, rows):
        return self._push(
            [(row.sku, [self._stock_patch(int(row.quantity))]) for row in rows]
        )

    def push_prices(self, rows):
        return self._push([(row.sku, [self._price_patch(row.price)]) for row in rows])

    def push_offers(self, rows):
        """One patch request or feed message per SKU with its quantity and
        price patches: half the calls of separate stock and price pushes
        (createFeed allows one call every two minutes past its burst).
        Amazon applies a message as a whole or refuses it."""
        messages = []
        for row in rows:
            patches = []
            if row.quantity is not None:
                patches.append(self._stock_patch(int(row.quantity)))
            if row.price is not None:
                patches.append(self._price_patch(row.price))
            if not patches:
                raise ValueError(f"nothing to push for {row.sku}")
            messages.append((row.sku, patches))
        return self._push(messages)

    def _push(self, messages):
        """``messages``: (sku, patches) pairs."""
        if len(messages) <= self.patch_max:
            return self._patch_each(messages)
        return self._submit_feed(messages)

    def _patch_each(self, messages):
        """patchListingsItem for each SKU; a ``PushStatus`` with the SKUs
        Amazon refused."""
        listings = self.api(ListingsItems)
        errors = {}
        for sku, patches in messages:
            try:
                response = self.call(
                    "patchListingsItem",
                    listings.patch_listings_item,
                    self.seller_id,
                    sku,
                    # one marketplace per request; the price patch names
                    # each marketplace it sets
                    marketplaceIds=self.marketplace_ids[:1],
                    issueLocale=self.issue_locale,
                    body={"productType": "PRODUCT", "patches": patches},
                )
            except (RemoteError, NotFound) as err:
                errors[sku] = str(err)
                continue
            payload = self.expect(response, "status")
            problems = [
                f"{i.get('code')}: {i.get('message')}"
                for i in payload.get("issues") or ()
                if i.get("severity") == "ERROR"
            ]
            if payload["status"] != "ACCEPTED" or problems:
                errors[sku] = "; ".join(problems) or payload["status"]
        return PushStatus(
            done=True,
            message="patchListingsItem",
            errors=errors,
            lines_read=len(messages),
            lines_in_error=len(errors),
        )

    def feed_document(self, messages):
        """The JSON_LISTINGS_FEED of ``messages`` ((sku, patches) pairs); the
        message ids are the positions (1-based)."""
        return {
            "header": {
                "sellerId": self.seller_id,
                "version": "2.0",
                "issueLocale": self.issue_locale,
            },
            "messages": [
                {
                    "messageId": number,
                    "sku": sku,
                    "operationType": "PATCH",
                    "productType": "PRODUCT",
                    "patches": patches,
                }
                for number, (sku, patches) in enumerate(messages, start=1)
            ],
        }

    def _submit_feed(self, messages):
        if len(messages) > MAX_FEED_MESSAGES:
            raise ValueError(f"at most {MAX_FEED_MESSAGES} messages per feed")
        feeds = self.api(Feeds)
        content = json.dumps(self.feed_document(messages), separators=(",", ":"))
        document = self.call(
            "createFeedDocument",
            feeds.create_feed_document,
            None,
            FEED_CONTENT_TYPE,
        )
        document = self.expect(document, "feedDocumentId", "url")
        self._upload(document["url"], content.encode())
        feed = self.call(
            "createFeed",
            feeds.create_feed,
            FEED_TYPE,
            document["feedDocumentId"],
            marketplaceIds=self.marketplace_ids,
        )
        return str(self.expect(feed, "feedId")["feedId"])

    def _upload(self, url, content):
        try:
            with httpx.Client(timeout=self.timeout) as http:
                response = http.put(
                    url, content=content, headers={"Content-Type": FEED_CONTENT_TYPE}
                )
        except httpx.HTTPError as err:
            raise TransientError(f"feed upload: {err}") from err
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientError(
                f"feed upload: HTTP {response.status_code}",
                status=response.status_code,
            )
        if response.status_code >= 300:
            raise RemoteError(
                f"feed upload refused: HTTP {response.status_code}",
                status=response.status_code,
            )

    def push_status(self, kind, batch_id, skus=None):
        """The processing status of feed ``batch_id``; once DONE, the SKUs of
        the report's errors (``skus``: the pushed SKUs in message order, for
        issues naming only their message id)."""
        feeds = self.api(Feeds)
        feed = self.expect(
            self.call("getFeed", feeds.get_feed, batch_id), "processingStatus"
        )
        status = feed["processingStatus"]
        if status in ("IN_QUEUE", "IN_PROGRESS"):
            return PushStatus(done=False, message=status)
        if status == "CANCELLED":
            return PushStatus(done=True, failed=True, message="CANCELLED")
        report = None
        if feed.get("resultFeedDocumentId"):
            report = self._report(feed["resultFeedDocumentId"])
        if status == "FATAL":
            reason = "; ".join(
                str(i.get("message")) for i in (report or {}).get("issues") or ()
            )
            return PushStatus(done=True, failed=True, message=f"FATAL {reason}".strip())
        errors = {}
        for issue in (report or {}).get("issues") or ():
            if issue.get("severity") != "ERROR":
                continue
            sku = issue.get("sku")
            if not sku and skus and isinstance(issue.get("messageId"), int):
                index = issue["messageId"] - 1
                sku = skus[index] if 0 <= index < len(skus) else None
            if not sku:
                continue
            text = f"{issue.get('code')}: {issue.get('message')}"
            errors[sku] = f"{errors[sku]}; {text}" if sku in errors else text
        summary = (report or {}).get("summary") or {}
        return PushStatus(
            done=True,
            message=status,
            errors=errors,
            lines_read=summary.get("messagesProcessed"),
            lines_in_error=summary.get("messagesInvalid"),
        )

    def _report(self, document_id):
        feeds = self.api(Feeds)
        # getFeedDocument, then the download (gunzipped by the library)
        text = self.call("getFeedDocument", feeds.get_feed_result_document, document_id)
        if isinstance(text, bytes):
            text = gzip.decompress(text) if text[:2] == b"\x1f\x8b" else text
            text = text.decode()
        try:
            report = json.loads(text)
        except ValueError as err:
            raise TransientError(f"unreadable processing report ({err})") from err
        return report if isinstance(report, dict) else {}


def _listing_quantity(item, attributes):
    """The merchant-fulfilled quantity of a searchListingsItems item."""
    quantity = None
    for entry in item.get("fulfillmentAvailability") or ():
        if entry.get("fulfillmentChannelCode") == "DEFAULT":
            quantity = entry.get("quantity")
    if quantity is None:
        for entry in attributes.get("fulfillment_availability") or ():
            if entry.get("fulfillment_channel_code") == "DEFAULT":
                quantity = entry.get("quantity")
    if quantity is not None and (
        isinstance(quantity, bool) or not isinstance(quantity, int)
    ):
        raise InvalidPayload(f"quantity {quantity!r} is not a whole number")
    return quantity


def _listing_price(item, attributes, marketplace_id):
    """``(price, currency)`` of the B2C offer on ``marketplace_id``."""
    for offer in item.get("offers") or ():
        if offer.get("marketplaceId") == marketplace_id and offer.get("offerType") in (
            None,
            "B2C",
        ):
            amount = (offer.get("price") or {}).get("amount")
            if amount is not None:
                return (
                    Decimal(str(amount)).quantize(CENT),
                    (offer.get("price") or {}).get("currencyCode"),
                )
    for offer in attributes.get("purchasable_offer") or ():
        if offer.get("marketplace_id") != marketplace_id:
            continue
        if offer.get("audience", "ALL") != "ALL":
            continue
        for our_price in offer.get("our_price") or ():
            for slot in our_price.get("schedule") or ():
                if "value_with_tax" in slot:
                    return (
                        Decimal(str(slot["value_with_tax"])).quantize(CENT),
                        offer.get("currency"),
                    )
    return None, None


class OrdersV0:
    """Orders API v0 behind the client's order verbs.

    A page of getOrders is read with a restricted data token (buyer and
    address); the items of each order come from getOrderItems, at most
    ``page_budget`` seconds of them per call of ``list_orders``: the orders
    whose items are still to read travel in the page token, so a long page
    is split over several jobs and nothing is asked twice.
    """

    def __init__(self, client):
        self.client = client

    def map_order(self, raw):
        return map_order(raw)

    def _orders(self):
        return self.client.api(Orders)

    def list_orders(self, updated_since, page=None, updated_before=None):
        client = self.client
        state = json.loads(page) if page else {}
        carried = state.get("orders") or []
        next_token = state.get("next")
        if not carried and not state.get("started"):
            until = updated_before or datetime.now(timezone.utc) - IMPORT_LAG
            response = client.call(
                "getOrders",
                self._orders().get_orders,
                LastUpdatedAfter=format_datetime(updated_since),
                LastUpdatedBefore=format_datetime(until),
                MarketplaceIds=client.marketplace_ids,
                MaxResultsPerPage=100,
                RestrictedResources=RESTRICTED,
            )
            carried, next_token = self._page(response)
        elif not carried and next_token:
            response = client.call(
                "getOrders",
                self._orders().get_orders,
                NextToken=next_token,
                MarketplaceIds=client.marketplace_ids,
                RestrictedResources=RESTRICTED,
            )
            carried, next_token = self._page(response)
        done = []
        started = time.monotonic()
        while carried:
            if done and time.monotonic() - started > client.page_budget:
                break
            try:
                done.append(self._with_items(carried[0]))
            except TransientError:
                # throttled or a server error: keep what was read, the next
                # job goes on from this order
                if not done:
                    raise
                break
            carried = carried[1:]
        if carried or next_token:
            following = json.dumps(
                {"started": True, "orders": carried, "next": next_token},
                separators=(",", ":"),
            )
        else:
            following = None
        return OrderPage(orders=done, next_page=following)

    @staticmethod
    def _page(response):
        payload = AmazonClient.expect(response, "Orders")
        return list(payload["Orders"]), payload.get("NextToken") or None

    def _with_items(self, order, gifts=True):
        """The order with its ``OrderItems``. An order with gift items is
        read again with a restricted data token: their ``BuyerInfo`` holds
        the gift wrap price (part of ``OrderTotal``) and message; rare
        enough to cost nothing on the others (``gifts``: read them)."""
        order_id = order.get("AmazonOrderId")
        if not order_id:
            return order  # kept as is: the mapping says what is wrong
        items = self._items(order_id)
        if gifts and any(
            isinstance(item, dict)
            and item.get("IsGift") == "true"
            and "BuyerInfo" not in item
            for item in items
        ):
            items = self._items(order_id, RestrictedResources=["buyerInfo"])
        return dict(order, OrderItems=items)

    def _items(self, order_id, **restricted):
        items, token = [], None
        while True:
            kwargs = dict(restricted, NextToken=token) if token else restricted
            response = self.client.call(
                "getOrderItems",
                self._orders().get_order_items,
                order_id,
                **kwargs,
            )
            payload = AmazonClient.expect(response, "OrderItems")
            items.extend(payload["OrderItems"])
            token = payload.get("NextToken")
            if not token:
                break
        return items

    def get_orders(self, external_ids):
        client = self.client
        raws = []
        for start in range(0, len(external_ids), 50):
            chunk = list(external_ids[start : start + 50])
            response = client.call(
                "getOrders",
                self._orders().get_orders,
                AmazonOrderIds=chunk,
                MarketplaceIds=client.marketplace_ids,
                CreatedAfter=format_datetime(
                    datetime.now(timezone.utc) - timedelta(days=730)
                ),
                RestrictedResources=RESTRICTED,
            )
            orders, _token = self._page(response)
            raws.extend(self._with_items(order) for order in orders)
        return raws

    def confirm_shipment(self, external_id, shipment):
        client = self.client
        response = client.call("getOrder", self._orders().get_order, external_id)
        raw = self._with_items(
            AmazonClient.expect(response, "AmazonOrderId"), gifts=False
        )
        items = {
            i.get("OrderItemId"): i
            for i in raw.get("OrderItems") or ()
            if isinstance(i, dict)
        }
        if shipment.lines:
            wanted = {str(k): int(v) for k, v in shipment.lines.items() if v}
        else:
            wanted = {
                item_id: int(item.get("QuantityOrdered") or 0)
                - int(item.get("QuantityShipped") or 0)
                for item_id, item in items.items()
            }
        unknown = sorted(set(wanted) - set(items))
        if unknown:
            raise RemoteError(
                f"Order {external_id} has no item {', '.join(unknown)}", status=400
            )
        left = {}
        for item_id, quantity in wanted.items():
            ordered = int(items[item_id].get("QuantityOrdered") or 0)
            shipped = int(items[item_id].get("QuantityShipped") or 0)
            if shipment.declared is not None:
                # Amazon's shipped quantity beyond the earlier shipments is
                # this one's (a retry after a lost answer)
                quantity -= max(0, shipped - int(shipment.declared.get(item_id, 0)))
            left[item_id] = min(quantity, ordered - shipped)
        left = {item_id: quantity for item_id, quantity in left.items() if quantity > 0}
        if not left:
            return Outcome.ALREADY
        if not shipment.tracking_number:
            raise RemoteError(
                "Amazon requires a tracking number to confirm a shipment: fill "
                "it in on the delivery, then retry.",
                status=400,
            )
        if raw.get("OrderStatus") not in ("Unshipped", "PartiallyShipped"):
            raise RemoteError(
                f"Order {external_id} is {raw.get('OrderStatus')} on Amazon: it "
                "cannot be shipped",
                status=400,
            )
        carrier_code = shipment.carrier_code or "Other"
        package = {
            "packageReferenceId": hashlib.sha1(
                json.dumps(sorted(left.items())).encode()
            ).hexdigest()[:12],
            "carrierCode": carrier_code,
            "shipDate": format_datetime(datetime.now(timezone.utc)),
            "orderItems": [
                {"orderItemId": item_id, "quantity": quantity}
                for item_id, quantity in sorted(left.items())
            ],
        }
        if carrier_code == "Other":
            package["carrierName"] = shipment.carrier_name or "Other"
        package["trackingNumber"] = shipment.tracking_number
        client.call(
            "confirmShipment",
            self._orders().confirm_shipment,
            external_id,
            marketplaceId=raw.get("MarketplaceId") or client.marketplace_ids[0],
            packageDetail=package,
        )
        return Outcome.DONE
