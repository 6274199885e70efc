"""Amazon Selling Partner API client, on python-amazon-sp-api.

The library is used unmodified, pointed at any endpoint through its own
extension points: a marketplace object carrying the endpoint, and an LWA
client class carrying the token URL (so the sandbox, or Amazon's own sandbox
hosts, are one setting away). Every call first takes a token from the
account's client-side bucket (``throttle``), and the library's exceptions
become the core's (``mphub.errors``).

Orders go through Orders API v2026-01-01 (``orders_2026.Orders20260101``,
the default) or, per account until Amazon removes it on 27 March 2027,
Orders API v0 (``OrdersV0``), behind the same verbs. Stored payloads of
either version map, whatever the account's version (``map_order``,
``external_id`` and ``raw_state`` read the payload's shape): an account
switched to 2026-01-01 still replays its v0 payloads. Shipments are
declared with v0's confirmShipment, which Amazon keeps. Once Amazon
answers v0's order operations with 404, a v0 account fails with
``OrdersApiRemoved`` (a ``ConfigError``: switch the account), never as "no
orders" nor as a missing order.

Stock and prices go through patchListingsItem for a few offers and a
JSON_LISTINGS_FEED above ``patch_max``; the feed id is the batch id
``push_status`` polls, whose processing report gives the per-SKU errors.
"""

import collections
import hashlib
import json
import logging
import time
import types
import zlib
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import httpx
from sp_api.api import Feeds, ListingsItems, Orders
from sp_api.auth import AccessTokenClient
from sp_api.auth import access_token_client as sp_auth
from sp_api.auth.exceptions import AuthorizationError
from sp_api.base import Client, fill_query_params, sp_endpoint
from sp_api.base import exceptions as sp_errors
from sp_api.base._transport_httpx import HttpxTransport

from ..client import MarketplaceClient, OrderPage, Outcome
from ..errors import (
    AuthError,
    ConfigError,
    InvalidPayload,
    MphubError,
    NotFound,
    RemoteError,
    ThrottledError,
    TransientError,
)
from ..http import DEADLINE_FACTOR, MAX_BODY_BYTES, clean_secret, mask_secrets
from ..offers import PushStatus
from ..parsing import format_datetime, identifier_problem, parse_bool
from . import mapping, mapping_2026, pricing, pricing_fees
from .answers import (
    FEED_PENDING,
    MAX_ITEM_PAGES,
    PageTokens,
    feed_push_status,
    listing_parts,
    package_detail,
    patch_answer_errors,
    quantities_to_ship,
    read_feed,
    read_listing_page,
    read_order_items_page,
    read_orders_page,
    read_processing_report,
    shippable_items,
)
from .marketplaces import LWA_URL, by_id
from .orders_2026 import Orders20260101
from .throttle import Throttle, retry_delay, shared_throttle

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
ORDERS_VERSIONS = ("2026-01-01", "v0")
COMPETITOR_APIS = ("item_offers", "competitive_summary")
TRANSIENT_EXCEPTIONS = (
    sp_errors.SellingApiServerException,
    sp_errors.SellingApiTemporarilyUnavailableException,
    sp_errors.SellingApiGatewayTimeoutException,
)


class _DeadlineStream(httpx.SyncByteStream):
    """A response body that must arrive whole within ``deadline`` seconds of
    the request and hold at most ``max_bytes``: httpx's timeouts bound each
    read only, a server trickling bytes would hold the worker forever."""

    def __init__(self, stream, started, deadline, max_bytes):
        self.stream = stream
        self.started = started
        self.deadline = deadline
        self.max_bytes = max_bytes

    def __iter__(self):
        size = 0
        for chunk in self.stream:
            size += len(chunk)
            if size > self.max_bytes:
                raise httpx.ReadError(f"the answer exceeds {self.max_bytes} bytes")
            if time.monotonic() - self.started > self.deadline:
                raise httpx.ReadTimeout(
                    f"the answer did not arrive within {self.deadline} s"
                )
            yield chunk

    def close(self):
        self.stream.close()


class _DeadlineTransport(httpx.HTTPTransport):
    """httpx's own transport (its documented extension point), giving every
    response body a total deadline and a size limit."""

    def __init__(self, deadline, max_bytes, **kwargs):
        super().__init__(**kwargs)
        self.deadline = deadline
        self.max_bytes = max_bytes

    def handle_request(self, request):
        started = time.monotonic()
        response = super().handle_request(request)
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_DeadlineStream(
                response.stream, started, self.deadline, self.max_bytes
            ),
            extensions=response.extensions,
        )


def http_client(timeout, deadline=None, max_bytes=MAX_BODY_BYTES):
    """An httpx client with the account's timeout on every read and a total
    deadline on every answer."""
    deadline = deadline or timeout * DEADLINE_FACTOR
    return httpx.Client(
        timeout=httpx.Timeout(timeout),
        transport=_DeadlineTransport(deadline, max_bytes),
    )


def _lwa_client_class(lwa_url, timeout=30, deadline=None, on_token=None):
    """An LWA token client posting to ``lwa_url``, whose cached tokens are
    kept apart per token URL and application. Its requests have the
    account's ``timeout`` and ``deadline`` (the library's own client has
    httpx's 5 s default); ``on_token`` is given every access token it hands
    out (to mask them in error texts)."""
    parts = urlsplit(lwa_url or LWA_URL)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"The LWA token URL {lwa_url!r} is not an http(s) URL.")

    def __init__(self, refresh_token=None, credentials=None, proxies=None, **kwargs):
        AccessTokenClient.__init__(
            self, refresh_token, credentials, proxies=proxies, **kwargs
        )
        self._transport.close()
        self._transport = HttpxTransport(client=http_client(timeout, deadline))

    def get_auth(self):
        auth = AccessTokenClient.get_auth(self)
        if on_token is not None and auth.access_token:
            on_token(auth.access_token)
        return auth

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
            "__init__": __init__,
            "get_auth": get_auth,
            "_get_cache_key": _get_cache_key,
        },
    )


class FeedDocuments(Client):
    """getFeedDocument alone: the library's method also downloads the
    document, with no timeout; the client downloads it itself
    (``AmazonClient._download``) within the account's deadline."""

    @sp_endpoint("/feeds/2021-06-30/documents/{}", method="GET")
    def get_feed_document(self, feedDocumentId, **kwargs):
        return self._request(
            fill_query_params(kwargs.pop("path"), feedDocumentId),
            params=kwargs,
            add_marketplace=False,
        )


class OrdersApiRemoved(ConfigError):
    """Amazon answers Orders API v0's order operations with 404: the
    account must be switched to Orders API v2026-01-01."""


class AmazonClient(MarketplaceClient):
    """One Amazon seller account (selling partner) on its marketplaces.

    ``orders_version``: "2026-01-01" (Orders API v2026-01-01, the default)
    or "v0" (until Amazon removes it). ``competitor_api``: what
    ``competitor_offers`` reads, "item_offers" (Product Pricing v0
    getItemOffersBatch, the default: up to 20 offers per product with their
    sellers' ratings and the buy box winner) or "competitive_summary"
    (Product Pricing 2022-05-01: the featured offers per customer segment
    and the lowest priced ones, without ratings; ASINs only, an offer known
    by its SKU alone is still read by getItemOffersBatch). ``rate_store``: an
    ``execute(query, params)`` function of a PostgreSQL database (see
    ``throttle.SharedBucket``) to share the account's rate limits with
    every process using that database; without it they are shared within
    this process only.
    """

    max_push_rows = MAX_FEED_MESSAGES
    patch_max = 20  # up to this many offers: patchListingsItem, else a feed
    import_lag = IMPORT_LAG  # LastUpdatedBefore: 2 minutes before now at least
    ships_per_delivery = True  # confirmShipment takes each package
    capabilities = frozenset(
        {"ship", "listings", "push_stock", "push_prices", "push_offers", "push_status"}
        | {"competitors", "fees"}
    )

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
        orders_version="2026-01-01",
        competitor_api="item_offers",
    ):
        endpoint = clean_secret(endpoint).rstrip("/")
        # credentials pasted with a trailing newline or spaces
        refresh_token = clean_secret(refresh_token)
        client_id = clean_secret(client_id)
        client_secret = clean_secret(client_secret)
        seller_id = clean_secret(seller_id)
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
        if orders_version not in ORDERS_VERSIONS:
            raise ConfigError(
                f"Unknown Orders API version {orders_version!r}: "
                f"{' or '.join(ORDERS_VERSIONS)}."
            )
        if competitor_api not in COMPETITOR_APIS:
            raise ConfigError(
                f"Unknown competitors' offers API {competitor_api!r}: "
                f"{' or '.join(COMPETITOR_APIS)}."
            )
        self.competitor_api = competitor_api
        self.endpoint = endpoint
        self.seller_id = seller_id
        self.marketplace_ids = marketplace_ids
        self.price_marketplace_ids = list(price_marketplace_ids or marketplace_ids)
        self.currency = currency
        self.issue_locale = issue_locale
        self.timeout = timeout if timeout and timeout > 0 else 30
        self.deadline = self.timeout * DEADLINE_FACTOR
        self.max_wait = max_wait
        self.page_budget = page_budget
        self._secrets = (refresh_token, client_secret, client_id)
        # the last access tokens LWA gave this account, masked like secrets
        self._tokens = collections.deque(maxlen=8)
        self._kwargs = {
            "credentials": {
                "refresh_token": refresh_token,
                "lwa_app_id": client_id,
                "lwa_client_secret": client_secret,
            },
            "refresh_token": refresh_token,
            "auth_token_client_class": _lwa_client_class(
                lwa_url, self.timeout, self.deadline, self._tokens.append
            ),
            "timeout": self.timeout,
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
        if orders_version == "v0":
            self.orders_api = OrdersV0(self)
        else:
            self.orders_api = Orders20260101(self)

    # ------------------------------------------------------------------
    # plumbing
    # ------------------------------------------------------------------
    def api(self, cls, **extra):
        """The library's client ``cls`` for this account (cached)."""
        key = (cls, tuple(sorted(extra.items())))
        client = self._apis.get(key)
        if client is None:
            client = cls(self._marketplace, **self._kwargs, **extra)
            # the library's transport takes an httpx client; the one it
            # builds has a per-read timeout only, this one a total deadline
            client._transport.close()
            client._transport = HttpxTransport(client=self._http())
            self._apis[key] = client
        return client

    def _http(self):
        return http_client(self.timeout, self.deadline)

    def close(self):
        for client in self._apis.values():
            try:
                client.close()
            except (AttributeError, httpx.HTTPError):
                pass
        self._apis = {}

    def _mask(self, text, *more):
        """``text`` without the account's secrets, the access and restricted
        data tokens it was given lately, nor ``more``."""
        return mask_secrets(text, (*self._secrets, *self._tokens, *more))

    def _drop_restricted_tokens(self):
        """Take the restricted data token off every library client.

        python-amazon-sp-api keeps it on the client when the restricted
        call fails, and sends it instead of the access token with the next
        calls, the next token request included: Amazon then refuses the
        account's credentials. The token is remembered for masking."""
        for client in self._apis.values():
            token = getattr(client, "restricted_data_token", None)
            if token:
                self._tokens.append(token)
                client.restricted_data_token = None

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
        # none may be left by an earlier call, whatever stopped it
        self._drop_restricted_tokens()
        try:
            response = function(*args, **kwargs)
        except Exception as err:
            # before anything else can fail: the restricted data token the
            # failed call left goes (and is masked in the error's text)
            self._drop_restricted_tokens()
            mapped = self._map_error(operation, bucket, err)
            if mapped is None:
                raise
            # not chained: the library's exception may hold a request (a
            # header with a token) the job's stored traceback would show
            raise mapped from None
        finally:
            self._drop_restricted_tokens()
        self._follow_rate(bucket, getattr(response, "headers", None))
        return response

    def _map_error(self, operation, bucket, err):
        """The core's error for the library's ``err`` (``None``: not one of
        the library's, let it through)."""
        if isinstance(err, MphubError):
            return err
        if isinstance(err, sp_errors.SellingApiRequestThrottledException):
            bucket.drain()
            self._follow_rate(bucket, err.headers)
            wait = retry_delay(bucket.wait_time())
            return ThrottledError(
                f"{operation}: HTTP 429 {self._error_text(err)}",
                status=429,
                retry_after=min(wait, 900),
            )
        if isinstance(err, TRANSIENT_EXCEPTIONS):
            return TransientError(
                f"{operation}: HTTP {err.code} {self._error_text(err)}",
                status=err.code,
            )
        if isinstance(err, sp_errors.SellingApiForbiddenException):
            self._forget_token()
            return AuthError(f"{operation}: {self._error_text(err)}", status=403)
        if isinstance(err, sp_errors.SellingApiNotFoundException):
            return NotFound(f"{operation}: {self._error_text(err)}")
        if isinstance(err, sp_errors.SellingApiException):
            if type(err) is sp_errors.SellingApiException:
                # a status the library has no class for (502...): transient
                return TransientError(f"{operation}: HTTP 5xx {self._error_text(err)}")
            return RemoteError(
                f"{operation}: {self._error_text(err)}",
                status=err.code,
                code=getattr(err, "amzn_code", None),
                body=err.error,
            )
        if isinstance(err, AuthorizationError):
            status = getattr(err, "status_code", None)
            if isinstance(status, int) and status >= 500:
                return TransientError(f"LWA token: HTTP {status}", status=status)
            return AuthError(
                self._mask(f"LWA token refused: {err.error_code} {err.message}"),
                status=status,
            )
        return self._http_error(operation, err)

    def _http_error(self, operation, err, *more):
        """The core's error for an httpx error (``None`` for another)."""
        name = type(err).__name__
        if isinstance(err, httpx.TimeoutException):
            return TransientError(
                self._mask(f"{operation}: timeout ({name}: {err})", *more)
            )
        if isinstance(err, (httpx.InvalidURL, httpx.UnsupportedProtocol)):
            return ConfigError(
                self._mask(f"{operation}: bad URL ({name}: {err})", *more)
            )
        if isinstance(err, httpx.LocalProtocolError):
            # a header value that cannot be sent (a token or credential with
            # a newline): asking again sends it again
            return ConfigError(
                self._mask(f"{operation}: the request cannot be sent ({name})", *more)
            )
        if isinstance(err, (httpx.HTTPError, httpx.StreamError, OSError)):
            return TransientError(self._mask(f"{operation}: {name}: {err}", *more))
        if isinstance(err, UnicodeError):
            return ConfigError(
                self._mask(f"{operation}: the request cannot be sent ({name})", *more)
            )
        if isinstance(err, ValueError):  # unreadable JSON
            return TransientError(
                self._mask(f"{operation}: unreadable answer ({name}: {err})", *more)
            )
        return None

    @staticmethod
    def _follow_rate(bucket, headers):
        """Follow ``x-amzn-RateLimit-Limit`` (read and bounded by
        ``throttle.parse_rate_limit``: garbage is ignored)."""
        rate = None
        if hasattr(headers, "get"):
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
    # competitors and fees (``pricing``, ``pricing_fees``)
    # ------------------------------------------------------------------
    def competitor_offers(self, references, condition="New"):
        references = list(references)
        if self.competitor_api != "competitive_summary" or condition != "New":
            return pricing.competitor_offers(self, references, condition)
        # the summary takes ASINs; the rest goes to getItemOffersBatch
        by_asin = [
            number
            for number, reference in enumerate(references)
            if isinstance(reference, tuple | list)
            and len(reference) == 2
            and reference[0] == "ASIN"
        ]
        others = [n for n in range(len(references)) if n not in set(by_asin)]
        results = [None] * len(references)
        if by_asin:
            summaries = self.competitive_summary([references[n][1] for n in by_asin])
            for number, product in zip(by_asin, summaries, strict=True):
                results[number] = product
        if others:
            found = pricing.competitor_offers(
                self, [references[n] for n in others], condition
            )
            for number, product in zip(others, found, strict=True):
                results[number] = product
        return results

    def competitive_summary(self, asins):
        return pricing_fees.competitive_summary(self, asins)

    def fee_estimates(self, items):
        return pricing_fees.fee_estimates(self, items)

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
    @property
    def orders_version(self):
        return self.orders_api.version

    def list_orders(self, updated_since, page=None, updated_before=None):
        return self.orders_api.list_orders(updated_since, page, updated_before)

    def get_orders(self, external_ids):
        return self.orders_api.get_orders(external_ids)

    # a stored payload is read by its shape, whatever the account's version
    def map_order(self, raw):
        if mapping_2026.is_v2026(raw):
            return mapping_2026.map_order(raw)
        return mapping.map_order(raw)

    def external_id(self, raw):
        key = "orderId" if mapping_2026.is_v2026(raw) else "AmazonOrderId"
        order_id = raw.get(key) if isinstance(raw, dict) else None
        return order_id if isinstance(order_id, str) and order_id else None

    def raw_state(self, raw):
        version = mapping_2026 if mapping_2026.is_v2026(raw) else mapping
        return version.raw_status(raw), version.marketplace_status(raw)

    def accept_order(self, external_id, decisions, raw=None):
        # Amazon orders need no acceptance: an Unshipped order is sold
        return Outcome.ALREADY

    def ship_order(self, external_id, shipment):
        return self.orders_api.confirm_shipment(external_id, shipment)

    def declare_shipment(self, external_id, shipment, items, status, marketplace_id):
        """confirmShipment (Orders v0, kept by Amazon) for what ``shipment``
        ships of the order's ``items`` (``answers.shippable_items``);
        ``status``: the order's status (v0's vocabulary), ``marketplace_id``
        its marketplace. ``Outcome.ALREADY`` when nothing is left to
        declare."""
        left = quantities_to_ship(external_id, items, shipment)
        if not left:
            return Outcome.ALREADY
        if not shipment.tracking_number:
            raise RemoteError(
                "Amazon requires a tracking number to confirm a shipment: fill "
                "it in on the delivery, then retry.",
                status=400,
            )
        if status not in mapping.SHIPPABLE_STATUSES:
            raise RemoteError(
                f"Order {external_id} is {status} on Amazon: it cannot be shipped",
                status=400,
            )
        package = package_detail(
            left, shipment, format_datetime(datetime.now(timezone.utc))
        )
        self.call(
            "confirmShipment",
            self.api(Orders).confirm_shipment,
            external_id,
            marketplaceId=marketplace_id or self.marketplace_ids[0],
            packageDetail=package,
        )
        return Outcome.DONE

    # ------------------------------------------------------------------
    # offers
    # ------------------------------------------------------------------
    def listing_parts(self, raw):
        return listing_parts(raw)

    def list_listings(self, page=None):
        """One searchListingsItems page; ``page``: our page token (the
        server's token and the digests of those the walk used)."""
        tokens = PageTokens.load(page)
        listings = self.api(ListingsItems)
        params = {
            "marketplaceIds": self.marketplace_ids[:1],
            "pageSize": 20,
            "includedData": "summaries,attributes,offers,fulfillmentAvailability",
        }
        if tokens.token:
            params["pageToken"] = tokens.token
        response = self.call(
            "searchListingsItems",
            listings.search_listings_items,
            self.seller_id,
            **params,
        )
        return read_listing_page(
            self.expect(response, "items"),
            self.marketplace_ids[0],
            tokens,
            pagination=getattr(response, "pagination", None),
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
            problem = patch_answer_errors(self.expect(response, "status"))
            if problem:
                errors[sku] = problem
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
        # the presigned URL is a credential of its own: masked
        try:
            with self._http() as http:
                response = http.put(
                    url, content=content, headers={"Content-Type": FEED_CONTENT_TYPE}
                )
        except Exception as err:
            mapped = self._http_error("feed upload", err, url, urlsplit(url).query)
            if mapped is None:
                raise
            raise mapped from None
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
        status, document_id = read_feed(feed)
        report = None
        if status not in FEED_PENDING and status is not None and document_id:
            report = self._report(document_id)
        return feed_push_status(status, report, skus)

    def _feed_document(self, document_id):
        """The content (bytes) of feed document ``document_id``:
        getFeedDocument gives its presigned URL, read within the account's
        timeout and deadline, then unpacked when compressed."""
        info = self.call(
            "getFeedDocument",
            self.api(FeedDocuments).get_feed_document,
            document_id,
        )
        info = self.expect(info, "url")
        content = self._download("feed document", info["url"])
        if info.get("compressionAlgorithm"):
            unpacked = _gunzip(content, MAX_BODY_BYTES)
            if unpacked is None:
                raise TransientError("feed document: unreadable compressed content")
            content = unpacked
        return content

    def _download(self, what, url):
        """The body of a GET on a presigned ``url`` (itself a credential:
        never shown)."""
        try:
            with self._http() as http:
                response = http.get(url)
        except Exception as err:
            mapped = self._http_error(what, err, url, urlsplit(url).query)
            if mapped is None:
                raise
            raise mapped from None
        status = response.status_code
        if status >= 500 or status == 429:
            raise TransientError(f"{what}: HTTP {status}", status=status)
        if status >= 300:
            raise RemoteError(f"{what} refused: HTTP {status}", status=status)
        return response.content

    def _report(self, document_id):
        # getFeedDocument, then the download within the account's deadline
        return read_processing_report(self._feed_document(document_id))


def _gunzip(data, max_bytes):
    """``data`` decompressed (gzip or zlib), refusing more than
    ``max_bytes`` of output; ``None`` when it is not compressed data."""
    inflater = zlib.decompressobj(15 + 32)
    try:
        out = inflater.decompress(data, max_bytes + 1)
    except zlib.error:
        return None
    if len(out) > max_bytes or inflater.unconsumed_tail:
        raise TransientError(f"the document exceeds {max_bytes} bytes once unpacked")
    return out


class OrdersV0:
    """Orders API v0 behind the client's order verbs.

    A page of getOrders is read with a restricted data token (buyer and
    address); the items of each order come from getOrderItems, at most
    ``page_budget`` seconds of them per call of ``list_orders``: the orders
    whose items are still to read travel in the page token, so a long page
    is split over several jobs and nothing is asked twice.
    """

    version = "v0"

    def __init__(self, client):
        self.client = client

    def map_order(self, raw):
        return mapping.map_order(raw)

    def _orders(self):
        return self.client.api(Orders)

    def list_orders(self, updated_since, page=None, updated_before=None):
        client = self.client
        state = _order_page_state(page)
        carried = state["orders"]
        tokens = PageTokens(state["next"], state["seen"], state["pages"])
        if not carried and not state["started"]:
            until = updated_before or datetime.now(timezone.utc) - IMPORT_LAG
            response = self._read(
                "getOrders",
                self._orders().get_orders,
                LastUpdatedAfter=format_datetime(updated_since),
                LastUpdatedBefore=format_datetime(until),
                MarketplaceIds=client.marketplace_ids,
                MaxResultsPerPage=100,
                RestrictedResources=RESTRICTED,
            )
            carried, next_token = self._page(response)
            tokens = _next_orders_page(tokens, next_token)
        elif not carried and tokens.token:
            response = self._read(
                "getOrders",
                self._orders().get_orders,
                NextToken=tokens.token,
                MarketplaceIds=client.marketplace_ids,
                RestrictedResources=RESTRICTED,
            )
            carried, next_token = self._page(response)
            tokens = _next_orders_page(tokens, next_token)
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
        if carried or tokens.token:
            following = json.dumps(
                {
                    "started": True,
                    "orders": carried,
                    "next": tokens.token,
                    "seen": tokens.seen,
                    "pages": tokens.pages,
                },
                separators=(",", ":"),
            )
        else:
            following = None
        return OrderPage(orders=done, next_page=following)

    @staticmethod
    def _page(response):
        return read_orders_page(AmazonClient.expect(response, "Orders"))

    def _with_items(self, order, gifts=True):
        """The order with its ``OrderItems``. An order with gift items is
        read again with a restricted data token: their ``BuyerInfo`` holds
        the gift wrap price (part of ``OrderTotal``) and message; rare
        enough to cost nothing on the others (``gifts``: read them)."""
        order_id = order.get("AmazonOrderId") if isinstance(order, dict) else None
        if not isinstance(order_id, str) or identifier_problem(order_id):
            return order  # kept as is: the mapping says what is wrong
        items = self._items(order_id)
        if gifts and any(
            isinstance(item, dict)
            and parse_bool(item.get("IsGift")) is True
            and "BuyerInfo" not in item
            for item in items
        ):
            items = self._items(order_id, RestrictedResources=["buyerInfo"])
        return dict(order, OrderItems=items)

    def _items(self, order_id, **restricted):
        """Every page of getOrderItems of an order; a NextToken the server
        repeats (or too many pages) is ``InvalidPayload``, not a loop."""
        items, tokens = [], PageTokens()
        while tokens is not None:
            kwargs = restricted
            if tokens.token:
                kwargs = dict(restricted, NextToken=tokens.token)
            response = self._read(
                "getOrderItems",
                self._orders().get_order_items,
                order_id,
                **kwargs,
            )
            page, token = read_order_items_page(
                AmazonClient.expect(response, "OrderItems")
            )
            items.extend(page)
            tokens = tokens.advance(token, "getOrderItems.NextToken", MAX_ITEM_PAGES)
        return items

    def get_orders(self, external_ids):
        client = self.client
        raws = []
        for start in range(0, len(external_ids), 50):
            chunk = list(external_ids[start : start + 50])
            response = self._read(
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
        response = self._read("getOrder", self._orders().get_order, external_id)
        raw = self._with_items(
            AmazonClient.expect(response, "AmazonOrderId"), gifts=False
        )
        return self.client.declare_shipment(
            external_id,
            shipment,
            shippable_items(raw.get("OrderItems")),
            raw.get("OrderStatus"),
            _marketplace_of(raw),
        )

    def _read(self, operation, function, *args, **kwargs):
        """``client.call`` for an order operation of v0: a 404 is Amazon
        telling that v0 is gone (``OrdersApiRemoved``), unless it is about
        one order (getOrder, getOrderItems) and getOrders still answers."""
        try:
            return self.client.call(operation, function, *args, **kwargs)
        except NotFound as err:
            if operation != "getOrders" and not self._removed():
                raise
            raise OrdersApiRemoved(
                f"Amazon answers {operation} of Orders API v0 with 404 Not "
                f"Found ({err}): Amazon removed the v0 order operations on 27 "
                "March 2027. Switch the account to Orders API 2026-01-01 (its "
                "Connection tab)."
            ) from None

    def _removed(self):
        """Whether getOrders answers 404 too (one small call)."""
        try:
            self.client.call(
                "getOrders",
                self._orders().get_orders,
                CreatedAfter=format_datetime(
                    datetime.now(timezone.utc) - timedelta(days=1)
                ),
                MarketplaceIds=self.client.marketplace_ids,
                MaxResultsPerPage=1,
            )
        except NotFound:
            return True
        return False


MAX_ORDER_PAGES = 100_000  # getOrders pages of one import run


def _order_page_state(page):
    """The state our getOrders page token carries (orders whose items are
    still to read, the server's NextToken, the digests of the tokens used
    and the page count)."""
    state = {"started": False, "orders": [], "next": None, "seen": [], "pages": 0}
    if not page:
        return state
    try:
        loaded = json.loads(page)
    except (TypeError, ValueError, RecursionError):
        loaded = None
    if not isinstance(loaded, dict):
        raise InvalidPayload(f"getOrders: page token {str(page)[:40]!r} is not ours")
    state["started"] = bool(loaded.get("started"))
    for key, kind in (("orders", list), ("seen", list), ("next", str)):
        if isinstance(loaded.get(key), kind):
            state[key] = loaded[key]
    pages = loaded.get("pages")
    if isinstance(pages, int) and not isinstance(pages, bool) and pages >= 0:
        state["pages"] = pages
    state["seen"] = [d for d in state["seen"] if isinstance(d, str)]
    return state


def _next_orders_page(tokens, next_token):
    """``tokens`` moved on to the server's ``next_token`` (None at the end):
    a token the walk used before is ``InvalidPayload``, never a loop."""
    following = tokens.advance(next_token, "getOrders.NextToken", MAX_ORDER_PAGES)
    return following or PageTokens(None, tokens.seen, tokens.pages)


def _marketplace_of(raw):
    value = raw.get("MarketplaceId") if isinstance(raw, dict) else None
    if isinstance(value, str) and not identifier_problem(value):
        return value.strip()
    return None
