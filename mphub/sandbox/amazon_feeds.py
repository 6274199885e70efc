"""The Feeds API 2021-06-30 of the Amazon emulator, with JSON_LISTINGS_FEED.

- createFeedDocument ``POST /feeds/2021-06-30/documents`` -> 201
  ``{"feedDocumentId", "url"}``; the URL (``/_upload/{feedDocumentId}`` on
  the emulator, or ``public_url``) takes the document with a PUT, like an
  S3 presigned URL, without token nor faults;
- createFeed ``POST /feeds/2021-06-30/feeds`` -> 202 ``{"feedId"}``;
- getFeed ``GET /feeds/2021-06-30/feeds/{feedId}``, getFeeds
  ``GET /feeds/2021-06-30/feeds``, cancelFeed ``DELETE
  /feeds/2021-06-30/feeds/{feedId}`` (IN_QUEUE feeds only);
- getFeedDocument ``GET /feeds/2021-06-30/documents/{feedDocumentId}``: the
  processing report's URL, gzipped (``compressionAlgorithm: GZIP``).

A feed goes IN_QUEUE -> IN_PROGRESS (after half of
``feed_processing_seconds``) -> DONE or FATAL (after all of it), evaluated
lazily whenever it is read. Only JSON_LISTINGS_FEED is processed; any other
feed type ends FATAL, as the legacy XML and flat-file feeds do on Amazon
since July 2025. A document that is not JSON or breaks the envelope rules
of listings-feed-schema-v2 (header with ``sellerId`` and ``version`` 2.0,
1 to 25,000 messages, unique integer ``messageId`` >= 1) ends FATAL with a
report saying why. Each message is checked against the message schema's
rules and applied like patchListingsItem (``amazon_listings``); a message
with a problem (``INVALID_MESSAGE``, ``NOT_FOUND``, ``INVALID_VALUE``) is
not applied and its issues go to the processing report.
"""

import gzip
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from .amazon_listings import (
    MARKETPLACES,
    PRODUCT_TYPE,
    Listing,
    apply_patches,
    asin_of,
    csv_values,
    decode_token,
    encode_token,
    invalid,
    patch_issues,
    sp_error,
)
from .server import Response, format_timestamp, parse_timestamp

JSON_LISTINGS_FEED = "JSON_LISTINGS_FEED"
FEED_STATUSES = ("CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE")
OPERATION_TYPES = ("UPDATE", "PARTIAL_UPDATE", "PATCH", "DELETE")
REQUIREMENTS = ("LISTING", "LISTING_PRODUCT_ONLY", "LISTING_OFFER_ONLY")
MAX_MESSAGES = 25_000
MAX_MESSAGE_ID = 2_147_483_647
GET_FEEDS_PARAMS = (
    "feedTypes",
    "processingStatuses",
    "pageSize",
    "createdSince",
    "createdUntil",
    "nextToken",
)
REPORT_TYPE = "application/json; charset=UTF-8"
# for each operation type: the message keys required and forbidden
_MESSAGE_RULES = {
    "UPDATE": (("productType", "attributes"), ("patches",)),
    "PARTIAL_UPDATE": (("productType", "attributes"), ("requirements", "patches")),
    "PATCH": (("productType", "patches"), ("requirements", "attributes")),
    "DELETE": ((), ("requirements", "attributes", "productType", "patches")),
}


@dataclass
class Document:
    document_id: str
    seller_id: str
    content_type: str
    content: bytes = None
    compressed: bool = False


@dataclass
class Feed:
    feed_id: str
    seller_id: str
    feed_type: str
    marketplace_ids: list
    document_id: str
    created: datetime
    status: str = "IN_QUEUE"
    started: datetime = None
    ended: datetime = None
    result_document_id: str = None
    messages: int = 0
    accepted: int = 0
    report: dict = field(default=None, repr=False)

    def render(self):
        data = {
            "feedId": self.feed_id,
            "feedType": self.feed_type,
            "marketplaceIds": list(self.marketplace_ids),
            "createdTime": format_timestamp(self.created),
            "processingStatus": self.status,
        }
        if self.started:
            data["processingStartTime"] = format_timestamp(self.started)
        if self.ended:
            data["processingEndTime"] = format_timestamp(self.ended)
        if self.result_document_id:
            data["resultFeedDocumentId"] = self.result_document_id
        return data


class _Fatal(Exception):
    """The feed cannot be processed at all."""


class AmazonFeedsMixin:
    """Feeds routes and processing of ``AmazonEmulator``."""

    def register_feed_routes(self):
        feed = "/feeds/2021-06-30/feeds/(?P<feed_id>[^/]+)"
        self.api(
            "POST",
            "/feeds/2021-06-30/documents",
            "createFeedDocument",
            self.create_feed_document,
        )
        self.api(
            "GET",
            "/feeds/2021-06-30/documents/(?P<document_id>[^/]+)",
            "getFeedDocument",
            self.get_feed_document,
            ("enableContentEncodingUrlHeader",),
        )
        self.api("POST", "/feeds/2021-06-30/feeds", "createFeed", self.create_feed)
        self.api(
            "GET",
            "/feeds/2021-06-30/feeds",
            "getFeeds",
            self.get_feeds,
            GET_FEEDS_PARAMS,
        )
        self.api("GET", feed, "getFeed", self.get_feed)
        self.api("DELETE", feed, "cancelFeed", self.cancel_feed)
        self.admin_route("GET", "/feeds/(?P<feed_id>[^/]+)", self._admin_get_feed)

    # -- documents ------------------------------------------------------
    def _new_document(self, seller_id, content_type, content=None, compressed=False):
        number = self.next_number()
        document_id = f"amzn1.tortuga.4.eu.sandbox{self.seed}-{number:08d}"
        document = Document(document_id, seller_id, content_type, content, compressed)
        with self.lock:
            self.documents[document_id] = document
        return document

    def _document_url(self, request, document):
        base = self.public_url
        if not base:
            host, port = request.local_address or ("127.0.0.1", 80)
            host = f"[{host}]" if ":" in host else host
            base = f"http://{host}:{port}"
        return f"{base}/_upload/{document.document_id}?X-Amz-Signature=sandbox"

    def serve_document(self, request):
        """The presigned-like URL: PUT stores a document, GET reads it."""
        document_id = request.path[len("/_upload/") :]
        with self.lock:
            document = self.documents.get(document_id)
        if document is None:
            raise sp_error(404, "NotFound", "The document does not exist.")
        if request.method == "PUT":
            with self.lock:
                document.content = request.body
            return Response(200)
        if request.method == "GET":
            if document.content is None:
                raise sp_error(404, "NotFound", "The document has no content yet.")
            return Response(200, document.content, document.content_type)
        raise sp_error(405, "InvalidInput", "PUT or GET only.")

    def create_feed_document(self, request, caller):
        body = request.json_object()
        content_type = body.get("contentType")
        if not isinstance(content_type, str) or not content_type.strip():
            raise invalid("contentType is required.")
        document = self._new_document(caller.seller.seller_id, content_type)
        return Response.json(
            {
                "feedDocumentId": document.document_id,
                "url": self._document_url(request, document),
            },
            status=201,
        )

    def get_feed_document(self, request, caller):
        with self.lock:
            document = self.documents.get(request.params["document_id"])
        if document is None or document.seller_id != caller.seller.seller_id:
            raise sp_error(404, "NotFound", "The feed document does not exist.")
        answer = {
            "feedDocumentId": document.document_id,
            "url": self._document_url(request, document),
        }
        if document.compressed:
            answer["compressionAlgorithm"] = "GZIP"
        return Response.json(answer)

    # -- feeds ----------------------------------------------------------
    def create_feed(self, request, caller):
        body = request.json_object()
        feed_type = body.get("feedType")
        if not isinstance(feed_type, str) or not feed_type:
            raise invalid("feedType is required.")
        marketplaces = body.get("marketplaceIds")
        if not isinstance(marketplaces, list) or not marketplaces:
            raise invalid("marketplaceIds is required.")
        unknown = [m for m in marketplaces if m not in MARKETPLACES]
        if unknown:
            raise invalid(f"Invalid marketplaceIds: {', '.join(map(str, unknown))}.")
        document_id = body.get("inputFeedDocumentId")
        seller = caller.seller
        with self.lock:
            document = self.documents.get(document_id)
            if document is None or document.seller_id != seller.seller_id:
                raise invalid(f"Invalid inputFeedDocumentId {document_id!r}.")
            feed_id = str(50_000_000_000 + self.next_number())
            seller.feeds[feed_id] = Feed(
                feed_id,
                seller.seller_id,
                feed_type,
                list(marketplaces),
                document_id,
                self.clock.now(),
            )
        return Response.json({"feedId": feed_id}, status=202)

    def _find_feed(self, seller, feed_id):
        feed = seller.feeds.get(feed_id)
        if feed is None:
            raise sp_error(404, "NotFound", f"Feed {feed_id} not found.")
        self._advance(feed)
        return feed

    def get_feed(self, request, caller):
        with self.lock:
            feed = self._find_feed(caller.seller, request.params["feed_id"])
            return Response.json(feed.render())

    def get_feeds(self, request, caller):
        """getFeeds: newest first; ``feedTypes`` or ``nextToken`` required."""
        token = request.arg("nextToken")
        if token:
            state = decode_token(token, "nextToken")
            if state.get("seller") != caller.seller.seller_id:
                raise invalid("Invalid nextToken.")
            query, offset = state["q"], state["o"]
        else:
            offset = 0
            types = csv_values(request, "feedTypes")
            if not types:
                raise invalid("Either feedTypes or nextToken is required.")
            statuses = csv_values(request, "processingStatuses")
            if set(statuses) - set(FEED_STATUSES):
                raise invalid("Invalid processingStatuses.")
            size = request.arg("pageSize") or "10"
            if not size.isdigit() or not 1 <= int(size) <= 100:
                raise invalid("pageSize must be between 1 and 100.")
            bounds = {}
            for name in ("createdSince", "createdUntil"):
                value = request.arg(name)
                if value:
                    try:
                        bounds[name] = format_timestamp(parse_timestamp(value))
                    except ValueError as err:
                        raise invalid(f"Invalid {name}.") from err
            query = {
                "t": types,
                "s": statuses,
                "m": csv_values(request, "marketplaceIds")
                if "marketplaceIds" in request.query
                and not request.query.get("MarketplaceId")
                else [],
                "n": int(size),
                **bounds,
            }
        since = (
            parse_timestamp(query["createdSince"])
            if "createdSince" in query
            else (datetime.now(timezone.utc) - timedelta(days=90))
        )
        until = (
            parse_timestamp(query["createdUntil"]) if "createdUntil" in query else None
        )
        with self.lock:
            found = []
            for feed in caller.seller.feeds.values():
                self._advance(feed)
                if feed.feed_type not in query["t"]:
                    continue
                if query["s"] and feed.status not in query["s"]:
                    continue
                if query["m"] and not set(query["m"]) & set(feed.marketplace_ids):
                    continue
                if feed.created < since or (until and feed.created > until):
                    continue
                found.append(feed)
            found.sort(key=lambda f: (f.created, f.feed_id), reverse=True)
            page = found[offset : offset + query["n"]]
            answer = {"feeds": [feed.render() for feed in page]}
        if offset + query["n"] < len(found):
            answer["nextToken"] = encode_token(
                {
                    "seller": caller.seller.seller_id,
                    "q": query,
                    "o": offset + query["n"],
                }
            )
        return Response.json(answer)

    def cancel_feed(self, request, caller):
        with self.lock:
            feed = self._find_feed(caller.seller, request.params["feed_id"])
            if feed.status != "IN_QUEUE":
                raise invalid(
                    f"Feed {feed.feed_id} is {feed.status}: only IN_QUEUE feeds can "
                    "be cancelled."
                )
            feed.status = "CANCELLED"
            feed.ended = self.clock.now()
        return Response(200)

    # -- processing -----------------------------------------------------
    def _advance(self, feed):
        """The lazy clock of a feed (call with the lock held)."""
        if feed.status not in ("IN_QUEUE", "IN_PROGRESS"):
            return
        delay = timedelta(seconds=self.feed_processing_seconds)
        now = datetime.now(timezone.utc)
        if delay and now < feed.created + delay / 2:
            return
        feed.started = feed.started or feed.created + delay / 2
        feed.status = "IN_PROGRESS"
        if delay and now < feed.created + delay:
            return
        self._process(feed)
        feed.ended = max(self.clock.now(), feed.started)

    def _process(self, feed):
        seller = self.sellers[feed.seller_id]
        document = self.documents.get(feed.document_id)
        header = {"sellerId": feed.seller_id, "version": "2.0", "feedId": feed.feed_id}
        try:
            if feed.feed_type != JSON_LISTINGS_FEED:
                raise _Fatal(
                    f"Feed type {feed.feed_type} is not supported: the legacy XML "
                    "and flat-file listings feeds were removed on 31 July 2025. Use "
                    "JSON_LISTINGS_FEED or the Listings Items API."
                )
            if document is None or not document.content:
                raise _Fatal("The input feed document was never uploaded or is empty.")
            warnings, messages = self._read_feed(feed, document.content)
            issues, accepted = list(warnings), 0
            for message in messages:
                found = self._process_message(feed, seller, message)
                issues += found
                accepted += not found
            feed.messages, feed.accepted = len(messages), accepted
            feed.status = "DONE"
        except _Fatal as err:
            issues = [{"code": "FATAL", "severity": "ERROR", "message": str(err)}]
            feed.status = "FATAL"
        errors = sum(issue["severity"] == "ERROR" for issue in issues)
        feed.report = {
            "header": header,
            "issues": issues,
            "summary": {
                "errors": errors,
                "warnings": sum(issue["severity"] == "WARNING" for issue in issues),
                "messagesProcessed": feed.messages,
                "messagesAccepted": feed.accepted,
                "messagesInvalid": feed.messages - feed.accepted,
            },
        }
        content = gzip.compress(json.dumps(feed.report, ensure_ascii=False).encode())
        result = self._new_document(feed.seller_id, REPORT_TYPE, content, True)
        feed.result_document_id = result.document_id

    def _read_feed(self, feed, content):
        """The feed's messages; ``_Fatal`` when the envelope is wrong."""
        warnings = []
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            text = content.decode("iso-8859-1")
            warnings.append(
                {
                    "code": "ENCODING",
                    "severity": "WARNING",
                    "message": "The feed document is not valid UTF-8: it was read as "
                    "ISO-8859-1.",
                }
            )
        try:
            data = json.loads(text.lstrip("\ufeff"))
        except ValueError as err:
            raise _Fatal(f"The feed document is not valid JSON: {err}.") from err
        if not isinstance(data, dict):
            raise _Fatal("The feed document must be a JSON object.")
        header = data.get("header")
        if not isinstance(header, dict):
            raise _Fatal("The feed has no header object.")
        if not isinstance(header.get("sellerId"), str):
            raise _Fatal("header.sellerId is required.")
        if header["sellerId"] != feed.seller_id:
            raise _Fatal(
                f"header.sellerId {header['sellerId']} is not the seller of the feed."
            )
        if header.get("version") != "2.0":
            raise _Fatal('header.version must be "2.0".')
        messages = data.get("messages")
        if not isinstance(messages, list) or not 1 <= len(messages) <= MAX_MESSAGES:
            raise _Fatal(f"messages must be an array of 1 to {MAX_MESSAGES} messages.")
        seen = set()
        for number, message in enumerate(messages):
            message_id = message.get("messageId") if isinstance(message, dict) else None
            if (
                not isinstance(message_id, int)
                or isinstance(message_id, bool)
                or not 1 <= message_id <= MAX_MESSAGE_ID
            ):
                raise _Fatal(
                    f"messages[{number}].messageId must be an integer from 1 to "
                    f"{MAX_MESSAGE_ID}."
                )
            if message_id in seen:
                raise _Fatal(f"messageId {message_id} is not unique in the feed.")
            seen.add(message_id)
        return warnings, messages

    def _process_message(self, feed, seller, message):
        """Apply one message; return its issues (none: accepted)."""
        message_id, sku = message["messageId"], message.get("sku")

        def issue(code, text, attribute=None):
            found = {
                "messageId": message_id,
                "code": code,
                "severity": "ERROR",
                "message": text,
            }
            if isinstance(sku, str) and sku:
                found["sku"] = sku
            if attribute:
                found["attributeName"] = attribute
            return found

        problems = _message_problems(message)
        if problems:
            return [issue("INVALID_MESSAGE", text) for text in problems]
        operation = message["operationType"]
        listing = seller.listings.get(sku)
        if operation == "DELETE":
            if listing is None:
                return [issue("NOT_FOUND", f"SKU '{sku}' not found.")]
            del seller.listings[sku]
            return []
        if operation == "PATCH":
            patches = message["patches"]
        else:
            patches = [
                {"op": "replace", "path": f"/attributes/{name}", "value": value}
                for name, value in message["attributes"].items()
            ]
        found = [
            issue(
                "INVALID_MESSAGE"
                if problem["code"] == "INVALID_REQUEST"
                else problem["code"],
                problem["message"],
                (problem.get("attributeNames") or [None])[0],
            )
            for problem in patch_issues(patches)
        ]
        if found:
            return found
        moment = self.clock.now()
        if listing is None:
            if operation != "UPDATE":
                return [
                    issue(
                        "NOT_FOUND",
                        f"SKU '{sku}' not found: a listing must exist before it can "
                        f"be updated with {operation}.",
                    )
                ]
            listing = _new_listing(
                self.seed, seller, sku, message["attributes"], moment
            )
            seller.listings[sku] = listing
        elif operation == "UPDATE":
            listing.attributes = {}
        apply_patches(listing, patches)
        listing.product_type = message.get("productType") or PRODUCT_TYPE
        listing.updated = moment
        listing.history.append(
            (format_timestamp(moment), f"feed:{feed.feed_id}", len(patches))
        )
        return []

    # -- admin ----------------------------------------------------------
    def feed_record(self, feed_id):
        with self.lock:
            for seller in self.sellers.values():
                feed = seller.feeds.get(feed_id)
                if feed is not None:
                    self._advance(feed)
                    document = self.documents.get(feed.document_id)
                    return {
                        **feed.render(),
                        "seller_id": feed.seller_id,
                        "input_document_id": feed.document_id,
                        "input_size": len(document.content or b"") if document else 0,
                        "messages": feed.messages,
                        "messages_accepted": feed.accepted,
                        "messages_invalid": feed.messages - feed.accepted,
                        "report": feed.report,
                    }
        raise ValueError(f"unknown feed {feed_id!r}")

    def _admin_get_feed(self, request):
        return Response.json(self.feed_record(request.params["feed_id"]))


def _message_problems(message):
    """The message schema's rules a message breaks (texts)."""
    problems = []
    sku = message.get("sku")
    if not isinstance(sku, str) or not sku:
        problems.append("sku is required (a non-empty string).")
    operation = message.get("operationType")
    if operation not in OPERATION_TYPES:
        return problems + [
            f"operationType must be one of {', '.join(OPERATION_TYPES)}."
        ]
    required, forbidden = _MESSAGE_RULES[operation]
    for key in required:
        if key not in message:
            problems.append(f"{key} is required for {operation}.")
    for key in forbidden:
        if key in message:
            problems.append(f"{key} is not allowed for {operation}.")
    if "productType" in message and (
        not isinstance(message["productType"], str) or not message["productType"]
    ):
        problems.append("productType must be a non-empty string.")
    if "requirements" in message and message["requirements"] not in REQUIREMENTS:
        problems.append(f"requirements must be one of {', '.join(REQUIREMENTS)}.")
    if "attributes" in message and (
        not isinstance(message["attributes"], dict) or not message["attributes"]
    ):
        problems.append("attributes must be an object with one attribute at least.")
    if "patches" in message and (
        not isinstance(message["patches"], list) or not message["patches"]
    ):
        problems.append("patches must be a non-empty array.")
    return problems


def _new_listing(seed, seller, sku, attributes, moment):
    """A listing created by an UPDATE message."""
    ean = None
    for value in attributes.get("externally_assigned_product_identifier") or ():
        if isinstance(value, dict) and value.get("type") in ("ean", "gtin"):
            ean = value.get("value")
    asin = None
    for value in attributes.get("merchant_suggested_asin") or ():
        if isinstance(value, dict):
            asin = value.get("value")
    return Listing(
        seller.seller_id, sku, asin or asin_of(seed, sku), ean, "created", moment, {}
    )
