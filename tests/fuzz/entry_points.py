"""The entry points that read a marketplace answer, for the fuzz tests and
the campaign (``bench/fuzz_campaign.py``).

Each ``EntryPoint`` has a hypothesis strategy drawing hostile inputs (from
a realistic payload, see ``samples``), a ``run`` function feeding one input
to the code under test, and a ``check`` function listing what is not sane
in a result (an empty list: sane). The rule: ``run`` returns a sane result
or raises an ``MphubError``; any other exception is a crash.

To add an entry point, append an ``EntryPoint`` to ``ENTRY_POINTS``.
"""

import csv
import io
import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

from hypothesis import strategies as st
from lxml import etree
from mphub import canonical, orders
from mphub.amazon import answers, mapping_2026, throttle
from mphub.amazon import mapping as amazon_mapping
from mphub.amazon import pricing as amazon_pricing
from mphub.amazon import pricing_fees as amazon_pricing_fees
from mphub.cdiscount import rest_mapping as cdiscount_rest
from mphub.cdiscount import soap_answers as cdiscount_answers
from mphub.cdiscount import soap_mapping as cdiscount_soap
from mphub.errors import MphubError
from mphub.fnac import answers as fnac_answers
from mphub.fnac import competitors as fnac_competitors
from mphub.fnac import mapping as fnac_mapping
from mphub.fnac import mapping_messages as fnac_messages
from mphub.fnac import mapping_offers as fnac_offers
from mphub.fnac import offers as fnac_offer_answers
from mphub.fnac.payload import BATCH_LISTS, ORDERS_UPDATE_LISTS, PRICING_LISTS
from mphub.http import MAX_RETRY_AFTER, parse_retry_after
from mphub.messages import AUTHORS, KINDS, CustomerMessage
from mphub.mirakl import client as mirakl_client
from mphub.mirakl import competitors as mirakl_competitors
from mphub.mirakl import mapping as mirakl_mapping
from mphub.mirakl import offers as mirakl_offers
from mphub.offers import Listing, ListingPage, PushStatus
from mphub.parsing import CURRENCIES, EARLIEST, LATEST
from mphub.pricing import ProductOffers

from tests.core import fnac_samples

from . import samples
from .mutations import (
    header_values,
    maybe_mutated,
    mutated,
    mutated_document,
)


@dataclass(frozen=True)
class EntryPoint:
    name: str
    strategy: object  # a hypothesis strategy of inputs
    run: object  # input -> result (or an MphubError)
    check: object  # result -> list of problems
    owner: str = "answers"  # "orders": the order mapping's entry points


# ----------------------------------------------------------------------
# sanity checks
# ----------------------------------------------------------------------
def _control(text):
    return any(ord(c) < 32 or 127 <= ord(c) < 160 for c in text)


def sane_key(value, what):
    """Problems of an id or SKU: a stripped, non-blank text without control
    characters."""
    if not isinstance(value, str):
        return [f"{what} {value!r} is not a text"]
    if not value.strip() or value != value.strip() or _control(value):
        return [f"{what} {value!r} is blank, unstripped or has control characters"]
    return []


def sane_text(value, what, optional=True):
    if value is None and optional:
        return []
    if not isinstance(value, str) or "\x00" in value:
        return [f"{what} {value!r} is not a storable text"]
    return []


def sane_count(value, what, optional=True):
    if value is None and optional:
        return []
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return [f"{what} {value!r} is not a non-negative whole number"]
    return []


def sane_money(value, what, optional=True, signed=False):
    if value is None and optional:
        return []
    if not isinstance(value, Decimal) or not value.is_finite():
        return [f"{what} {value!r} is not a finite Decimal"]
    if (value < 0 and not signed) or abs(value) > Decimal(10) ** 12:
        return [f"{what} {value!r} is out of range"]
    if value.as_tuple().exponent < -6:
        return [f"{what} {value!r} has too many decimals"]
    return []


def check_listing(listing):
    if not isinstance(listing, Listing):
        return [f"not a Listing: {listing!r}"]
    problems = sane_key(listing.sku, "sku")
    problems += sane_count(listing.quantity, "quantity")
    problems += sane_money(listing.price, "price")
    if listing.price is not None and listing.price.as_tuple().exponent < -2:
        problems.append(f"price {listing.price!r} is not in cents")
    if listing.currency is not None and not (
        isinstance(listing.currency, str)
        and len(listing.currency) == 3
        and listing.currency.isascii()
        and listing.currency.isupper()
    ):
        problems.append(f"currency {listing.currency!r}")
    if not isinstance(listing.active, bool):
        problems.append(f"active {listing.active!r} is not a boolean")
    for ean in listing.eans:
        problems += sane_key(ean, "ean")
    for value, what in (
        (listing.marketplace_product_id, "product id"),
        (listing.external_id, "offer id"),
        (listing.condition, "condition"),
    ):
        if value is not None:
            problems += sane_key(value, what)
    problems += sane_text(listing.title, "title")
    return problems


def check_listing_page(page, offset=None):
    if not isinstance(page, ListingPage):
        return [f"not a ListingPage: {page!r}"]
    problems = []
    for listing in page.listings:
        problems += check_listing(listing)
    for pair in page.invalid:
        if not (isinstance(pair, tuple) and len(pair) == 2):
            problems.append(f"invalid entry {pair!r}")
        else:
            problems += sane_text(pair[1], "reason", optional=False)
    problems += sane_count(page.total, "total")
    if page.next_page is not None:
        if not isinstance(page.next_page, str) or not page.next_page:
            problems.append(f"next page {page.next_page!r}")
        elif offset is not None and not (
            page.next_page.isdigit() and int(page.next_page) > offset
        ):
            problems.append(f"next offset {page.next_page!r} after {offset}")
    return problems


def check_push_status(status, known_done=None):
    if not isinstance(status, PushStatus):
        return [f"not a PushStatus: {status!r}"]
    problems = []
    if not isinstance(status.done, bool) or not isinstance(status.failed, bool):
        problems.append("done/failed are not booleans")
    problems += sane_text(status.message, "message")
    problems += sane_count(status.lines_read, "lines_read")
    problems += sane_count(status.lines_in_error, "lines_in_error")
    if not isinstance(status.errors, dict):
        return problems + ["errors is not a dict"]
    for sku, message in status.errors.items():
        problems += sane_key(sku, "error sku")
        problems += sane_text(message, "error message", optional=False)
    return problems


def check_order_page(page, offset=None):
    problems = []
    if not isinstance(page.orders, list):
        problems.append("orders is not a list")
    problems += sane_count(page.total, "total")
    if page.next_page is not None and offset is not None:
        if not (page.next_page.isdigit() and int(page.next_page) > offset):
            problems.append(f"next offset {page.next_page!r} after {offset}")
    return problems


def check_plan(result):
    """Problems of a canonical order and its sale order plan: everything a
    sale order is made of must be storable and believable."""
    order, plan = result
    if not isinstance(order, canonical.Order):
        return [f"not an Order: {order!r}"]
    return (
        _order_head_problems(order)
        + _customer_problems(order.customer)
        + [p for line in order.lines for p in _line_problems(line)]
        + _plan_problems(order, plan)
    )


def _order_head_problems(order):
    problems = sane_key(order.external_id, "external_id")
    if order.status not in canonical.OrderStatus.ALL:
        problems.append(f"status {order.status!r}")
    if order.currency not in CURRENCIES:
        problems.append(f"currency {order.currency!r} is not ISO 4217")
    for when, what in (
        (order.created_at, "created_at"),
        (order.updated_at, "updated_at"),
    ):
        if not isinstance(when, datetime) or when.tzinfo is None:
            problems.append(f"{what} {when!r} is not an aware datetime")
        elif not EARLIEST <= when < LATEST:
            problems.append(f"{what} {when!r} is out of range")
    problems += sane_money(order.total, "total")
    problems += sane_money(order.shipping_total, "shipping total")
    for text, what in (
        (order.reference, "reference"),
        (order.channel, "channel"),
        (order.shipping_method, "shipping method"),
    ):
        problems += sane_text(text, what)
    if not order.lines:
        problems.append("no line")
    return problems


def _customer_problems(customer):
    if not isinstance(customer, canonical.Customer):
        return [f"customer {customer!r}"]
    problems = sane_text(customer.name, "customer name", optional=False)
    for address in (customer.shipping_address, customer.billing_address):
        if address is None:
            continue
        for name in ("name", "street", "street2", "zip", "city", "company"):
            problems += sane_text(getattr(address, name), f"address {name}")
        code = address.country_code
        if not (isinstance(code, str) and len(code) == 2 and code.isalpha()):
            problems.append(f"country {code!r}")
    return problems


def _line_problems(line):
    problems = sane_key(line.sku, "sku") + sane_key(line.external_id, "line id")
    problems += sane_text(line.title, "title")
    if isinstance(line.quantity, bool) or not isinstance(line.quantity, int):
        problems.append(f"quantity {line.quantity!r}")
    elif line.quantity < 1:
        problems.append(f"quantity {line.quantity!r} is not positive")
    for amount, what in (
        (line.unit_price, "unit price"),
        (line.total, "line total"),
        (line.shipping_price, "shipping"),
        (line.discount, "discount"),
        (line.gift_wrap, "gift wrap"),
    ):
        problems += sane_money(amount, what)
    for taxes in (line.taxes, line.shipping_taxes, line.discount_taxes):
        for tax in taxes:
            problems += sane_money(tax.amount, "tax amount", signed=True)
            if tax.rate is not None and not (0 <= tax.rate < 100):
                problems.append(f"tax rate {tax.rate!r}")
    return problems


def _plan_problems(order, plan):
    if plan is None:
        return []
    total = getattr(plan, "expected_total", None)
    problems = sane_money(total, "expected total", signed=True)
    comparable = (
        order.tax_included
        and order.total is not None
        and total is not None
        and order.status not in canonical.OrderStatus.DEAD
        and order.status != canonical.OrderStatus.PENDING
        and all(line.active for line in order.lines)
    )
    if comparable and total != order.total:
        problems.append(f"plan total {total} differs from order total {order.total}")
    return problems


# ----------------------------------------------------------------------
# runners
# ----------------------------------------------------------------------
def _csv_text(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_ALL)
    for row in rows if isinstance(rows, list) else [rows]:
        writer.writerow(
            [str(cell) for cell in row] if isinstance(row, list) else [str(row)]
        )
    return buffer.getvalue()


error_reports = st.one_of(
    maybe_mutated(samples.MIRAKL_ERROR_REPORT).map(_csv_text),
    maybe_mutated(samples.MIRAKL_ERROR_REPORT).map(
        lambda rows: _csv_text(rows).encode("utf-8", "surrogatepass")
    ),
    st.binary(max_size=300),
    st.sampled_from(
        [
            "",
            "\ufeff",
            '"offer-sku"\n"A\x00B"\n',
            '"offer-sku";"error-message"\n"  "; "x"\n',
            '"offer-sku";"error-message"\n"A";"' + "x" * 200_000 + '"\n',
            '"line";"why"\n"2";"no sku column"\n',
            '"offer-sku";"error-message"\n"A";"unterminated\n',
        ]
    ),
)


def _run_listing_page(args):
    data, offset = args
    return mirakl_offers.read_listing_page(data, offset), offset


def _run_mirakl_orders(args):
    body, offset = args
    return mirakl_client.read_order_page(body, offset, 100), offset


def _run_mirakl_map_order(raw):
    order = mirakl_mapping.map_order(raw)
    return order, orders.plan_sale_order(order)


def _run_amazon_map_order(raw):
    order = amazon_mapping.map_order(raw)
    return order, orders.plan_sale_order(order)


def _run_amazon_map_order_2026(raw):
    order = mapping_2026.map_order(raw)
    return order, orders.plan_sale_order(order)


def _run_search_page(payload):
    pagination = payload.get("pagination") if isinstance(payload, dict) else None
    return answers.read_search_page(payload, pagination)


def _check_search_page(result):
    found, token = result
    problems = []
    # the orders stay raw: the order store keeps an unreadable one in error
    if not isinstance(found, list):
        problems.append(f"orders not a list: {found!r:.80}")
    if token is not None and (not isinstance(token, str) or not token.strip()):
        problems.append(f"next token {token!r:.80}")
    return problems


def _run_import_status(info):
    status, has_report = mirakl_offers.read_import_status(info, "STO02")
    return status, has_report


def _check_import_status(result):
    status, has_report = result
    problems = check_push_status(status)
    if not isinstance(has_report, bool):
        problems.append(f"has_report {has_report!r}")
    return problems


def _run_feed(args):
    feed, document, skus = args
    status, document_id = answers.read_feed(feed)
    report = None
    if status not in answers.FEED_PENDING and status is not None and document_id:
        report = answers.read_processing_report(document)
    return answers.feed_push_status(status, report, skus), feed, report


def _check_feed(result):
    status, feed, report = result
    problems = check_push_status(status)
    if status.done and not status.failed:
        # a success needs a DONE feed and its report
        if feed.get("processingStatus") != "DONE" or report is None:
            problems.append("a feed that is not DONE with a report is a success")
    return problems


def _run_amazon_page(args):
    payload, page = args
    tokens = answers.PageTokens.load(page)
    return answers.read_listing_page(payload, samples.FR, tokens)


def _check_page_tokens(page):
    problems = check_listing_page(page)
    if page.next_page is not None:
        state = answers.PageTokens.load(page.next_page)
        if not state.token or len(state.seen) > answers.REMEMBERED_TOKENS:
            problems.append(f"next page state {page.next_page[:80]!r}")
    return problems


def _check_tokens_page(result):
    items, token = result
    problems = [] if isinstance(items, list) else ["items is not a list"]
    if token is not None and (not isinstance(token, str) or _control(token)):
        problems.append(f"token {token!r}")
    return problems


def _check_patch(result):
    if result is None:
        return []
    return sane_text(result, "patch error", optional=False)


def _check_shippable(result):
    problems = []
    for item_id, (ordered, shipped) in result.items():
        problems += sane_key(item_id, "OrderItemId")
        problems += sane_count(ordered, "ordered", optional=False)
        problems += sane_count(shipped, "shipped", optional=False)
        if isinstance(ordered, int) and isinstance(shipped, int) and shipped > ordered:
            problems.append("shipped more than ordered")
    return problems


def _check_carriers(carriers):
    problems = []
    for carrier in carriers:
        problems += sane_key(carrier.get("code"), "carrier code")
        problems += sane_text(carrier.get("label"), "carrier label")
    return problems


def _check_report(report):
    problems = []
    for issue in report["issues"]:
        if issue["sku"] is not None:
            problems += sane_key(issue["sku"], "issue sku")
        problems += sane_count(issue["message_id"], "messageId")
        problems += sane_text(issue["text"], "issue text", optional=False)
    for key, value in report["summary"].items():
        problems += sane_count(value, key)
    return problems


def _planned(map_order):
    """A runner mapping an order and planning its sale order."""

    def run(raw):
        order = map_order(raw)
        return order, orders.plan_sale_order(order)

    return run


def _run_cdiscount_rest_page(body):
    return cdiscount_rest.read_page(body, "getOrders", 1, 100)


def _check_cdiscount_rest_page(result):
    found, total, more = result
    problems = [] if isinstance(found, list) else ["items is not a list"]
    problems += sane_count(total, "totalCount")
    if not isinstance(more, bool):
        problems.append(f"more {more!r}")
    return problems


def _run_cdiscount_soap_page(result):
    found = cdiscount_answers.read_order_list(result)
    return found, [cdiscount_answers.order_key(order) for order in found]


def _check_cdiscount_soap_page(result):
    found, keys = result
    problems = [] if all(isinstance(o, dict) for o in found) else ["a non-order"]
    for key in keys:
        if key is None:
            continue
        when, number = key
        problems += sane_key(number, "OrderNumber")
        if when.tzinfo is None or not EARLIEST <= when < LATEST:
            problems.append(f"paging date {when!r}")
    return problems


NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)


def _run_retry_after(value):
    return parse_retry_after(value, now=NOW)


def _check_retry_after(seconds):
    if seconds is None:
        return []
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        return [f"{seconds!r} is not a whole number of seconds"]
    if not 0 <= seconds <= MAX_RETRY_AFTER:
        return [f"{seconds} s is out of range"]
    return []


def _run_rate_limit(value):
    """An announced rate, followed by a bucket, then the wait it imposes."""
    now = [0.0]
    bucket = throttle.TokenBucket(0.5, 1, clock=lambda: now[0])
    bucket.set_rate(value)
    t = throttle.Throttle(rates={"op": (0.5, 1)}, clock=lambda: now[0])
    t.buckets["op"] = bucket
    t.sleep = lambda _s: None
    delays = []
    for _ in range(3):
        try:
            t.acquire("op", max_wait=5)
        except throttle.ThrottledError as err:
            delays.append(err.retry_after)
    return throttle.parse_rate_limit(value), bucket, delays


def _check_rate_limit(result):
    rate, bucket, delays = result
    problems = []
    if rate is not None and not (
        isinstance(rate, float)
        and math.isfinite(rate)
        and throttle.MIN_RATE <= rate <= throttle.MAX_RATE
    ):
        problems.append(f"rate {rate!r}")
    if not (math.isfinite(bucket.rate) and bucket.rate >= throttle.MIN_RATE):
        problems.append(f"bucket rate {bucket.rate!r}")
    for delay in delays:
        if not (isinstance(delay, int) and 1 <= delay <= throttle.MAX_RETRY_AFTER):
            problems.append(f"retry after {delay!r}")
    return problems


def check_message(message):
    """Problems of a canonical buyer message or incident."""
    if not isinstance(message, CustomerMessage):
        return [f"not a CustomerMessage: {message!r:.80}"]
    problems = sane_key(message.external_id, "message id")
    if message.order_external_id is not None:
        problems += sane_key(message.order_external_id, "order id")
    if message.kind not in KINDS or message.author not in AUTHORS:
        problems.append(f"kind {message.kind!r} / author {message.author!r}")
    problems += sane_text(message.subject, "subject", optional=False)
    problems += sane_text(message.body, "body", optional=False)
    problems += sane_text(message.state, "state")
    for flag in (message.reply_expected, message.answered):
        if not isinstance(flag, bool):
            problems.append(f"flag {flag!r} is not a boolean")
    for when in (message.created_at, message.updated_at):
        if when.tzinfo is None or not EARLIEST <= when < LATEST:
            problems.append(f"date {when!r}")
    if message.updated_at < message.created_at:
        problems.append("updated before created")
    return problems


def _run_fnac_map_order(raw):
    order = fnac_mapping.map_order(raw, now=NOW)
    return order, orders.plan_sale_order(order)


def _check_fnac_raw_state(result):
    status, state = result
    problems = sane_text(state, "state")
    if status is not None and status not in canonical.OrderStatus.ALL:
        problems.append(f"status {status!r}")
    return problems


_XML_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,60}")
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(value):
    return _NOT_XML.sub("", str(value))


def _element(tag, value):
    """``value`` (JSON-like) as the XML element ``tag`` would carry it:
    ``@`` keys as attributes, lists as repeated elements, scalars as text."""
    element = etree.Element(tag if _XML_NAME.fullmatch(tag) else "unknown")
    if isinstance(value, dict):
        for key, item in value.items():
            key = str(key)
            if key.startswith("@") and _XML_NAME.fullmatch(key[1:]):
                element.set(key[1:], _xml_text(item))
            elif key == "#text":
                element.text = _xml_text(item)
            else:
                for entry in item if isinstance(item, list) else [item]:
                    element.append(_element(key, entry))
    elif isinstance(value, list):
        element.extend(_element("item", item) for item in value)
    elif value is not None:
        element.text = _xml_text(value)
    return element


def xml_shaped(strategy, lists):
    """Values of ``strategy`` sent through XML and read back the way the
    Fnac client reads every answer (``element_to_json``): what an answer
    can hold, however hostile its texts and shapes."""
    return strategy.map(
        lambda value: fnac_samples.element_to_json(_element("answer", value), lists)
    )


def _run_fnac_orders_page(doc):
    walk = fnac_answers.Walk(1, NOW, NOW)
    found = fnac_answers.read_orders(doc, "orders_query")
    return found, walk.following(fnac_answers.page_info(doc), 100, "orders_query")


def _check_fnac_orders_page(result):
    found, following = result
    problems = [] if isinstance(found, list) else ["orders is not a list"]
    if following is not None and not (
        isinstance(following.page, int) and following.page >= 1
    ):
        problems.append(f"next page {following!r:.80}")
    return problems


def _check_fnac_update_results(results):
    problems = []
    for order_id, result in results.items():
        problems += sane_key(order_id, "order id")
        problems += sane_text(result.reason, "reason", optional=False)
        if not isinstance(result.applied, bool):
            problems.append(f"applied {result.applied!r}")
    return problems


def _run_fnac_batch(doc):
    return fnac_offer_answers.read_batch(doc, ["MPH-0001", "MPH-0002"], {})


def _run_fnac_pricing(product):
    return fnac_competitors.read_product(product, "Ean", "3760000000000", "shop", NOW)


def _check_fnac_pricing(product):
    if not isinstance(product, ProductOffers):
        return [f"not ProductOffers: {product!r:.80}"]
    problems = sane_text(product.error, "error") + sane_text(product.title, "title")
    offers = list(product.offers) + ([product.own_offer] if product.own_offer else [])
    for offer in offers:
        problems += sane_money(offer.price, "price") + sane_money(
            offer.shipping, "ship"
        )
        problems += sane_text(offer.seller, "seller")
    for price in product.best.values():
        problems += sane_money(price, "best price")
    return problems


offsets = st.sampled_from([0, 100, 1_999_900, 9_999_950])
page_tokens = st.one_of(
    st.none(),
    st.text(max_size=20),
    st.just(answers.PageTokens("abc", ["x"], 3).dump()),
    st.just('{"token": 1, "seen": "x"}'),
    st.just('{"token":"eyJzZWxsZXIiOiJBMSIsIm8iOjIwfQ==","seen":[],"pages":1}'),
)

ENTRY_POINTS = [
    EntryPoint(
        "mirakl.OF21.map_listing",
        maybe_mutated(samples.MIRAKL_OFFER),
        mirakl_offers.map_listing,
        check_listing,
    ),
    EntryPoint(
        "mirakl.OF21.read_listing_page",
        st.tuples(maybe_mutated(samples.MIRAKL_OFFER_PAGE), offsets),
        _run_listing_page,
        lambda r: check_listing_page(*r),
    ),
    EntryPoint(
        "mirakl.STO02.read_import_status",
        maybe_mutated(samples.MIRAKL_STOCK_STATUS),
        _run_import_status,
        _check_import_status,
    ),
    EntryPoint(
        "mirakl.PRI02.read_import_status",
        maybe_mutated(samples.MIRAKL_PRICE_STATUS),
        _run_import_status,
        _check_import_status,
    ),
    EntryPoint(
        "mirakl.STO03.parse_error_report",
        error_reports,
        mirakl_offers.parse_error_report,
        lambda errors: check_push_status(PushStatus(done=True, errors=errors)),
    ),
    EntryPoint(
        "mirakl.OR11.read_order_page",
        st.tuples(maybe_mutated(samples.MIRAKL_ORDER_PAGE), offsets),
        _run_mirakl_orders,
        lambda r: check_order_page(*r),
    ),
    EntryPoint(
        "mirakl.OR11.read_order_state",
        maybe_mutated(samples.MIRAKL_ORDER),
        mirakl_client.read_order_state,
        lambda state: sane_key(state, "order_state"),
    ),
    EntryPoint(
        "mirakl.SH21.read_carriers",
        maybe_mutated(samples.MIRAKL_CARRIERS),
        mirakl_client.read_carriers,
        _check_carriers,
    ),
    EntryPoint(
        "amazon.searchListingsItems.map_listing_item",
        maybe_mutated(samples.AMAZON_LISTING),
        lambda item: answers.map_listing_item(item, samples.FR),
        check_listing,
    ),
    EntryPoint(
        "amazon.searchListingsItems.read_listing_page",
        st.tuples(maybe_mutated(samples.AMAZON_LISTING_PAGE), page_tokens),
        _run_amazon_page,
        _check_page_tokens,
    ),
    EntryPoint(
        "amazon.patchListingsItem.patch_answer_errors",
        maybe_mutated(samples.AMAZON_PATCH_ANSWER),
        answers.patch_answer_errors,
        _check_patch,
    ),
    EntryPoint(
        "amazon.getFeed+report.feed_push_status",
        st.tuples(
            maybe_mutated(samples.AMAZON_FEED),
            mutated_document(samples.AMAZON_REPORT),
            # the push's own SKUs come from Odoo, not from Amazon
            st.sampled_from([None, tuple(samples.AMAZON_PUSHED_SKUS)]).map(
                lambda skus: list(skus) if skus else None
            ),
        ),
        _run_feed,
        _check_feed,
    ),
    EntryPoint(
        "amazon.feed.read_processing_report",
        mutated_document(samples.AMAZON_REPORT),
        answers.read_processing_report,
        _check_report,
    ),
    EntryPoint(
        "amazon.getOrders.read_orders_page",
        maybe_mutated(samples.AMAZON_ORDERS_PAGE),
        answers.read_orders_page,
        _check_tokens_page,
    ),
    EntryPoint(
        "amazon.getOrderItems.read_order_items_page",
        maybe_mutated(samples.AMAZON_ITEMS_PAGE),
        answers.read_order_items_page,
        _check_tokens_page,
    ),
    EntryPoint(
        "amazon.confirmShipment.shippable_items",
        maybe_mutated(samples.AMAZON_ITEMS_PAGE["OrderItems"]),
        answers.shippable_items,
        _check_shippable,
    ),
    EntryPoint(
        "http.parse_retry_after",
        header_values(),
        _run_retry_after,
        _check_retry_after,
    ),
    EntryPoint(
        "amazon.x-amzn-RateLimit-Limit",
        header_values(),
        _run_rate_limit,
        _check_rate_limit,
    ),
    # the order mapping and sale order plan (fixed by the order engineers)
    EntryPoint(
        "mirakl.OR11.map_order+plan_sale_order",
        mutated(samples.MIRAKL_ORDER),
        _run_mirakl_map_order,
        check_plan,
        owner="orders",
    ),
    EntryPoint(
        "amazon.getOrders.map_order+plan_sale_order",
        mutated(samples.AMAZON_ORDER),
        _run_amazon_map_order,
        check_plan,
        owner="orders",
    ),
    EntryPoint(
        "amazon.searchOrders.map_order+plan_sale_order",
        mutated(samples.AMAZON_ORDER_2026),
        _run_amazon_map_order_2026,
        check_plan,
        owner="orders",
    ),
    EntryPoint(
        "cdiscount.rest.map_order+plan_sale_order",
        mutated(samples.CDISCOUNT_REST_ORDER),
        _planned(cdiscount_rest.map_order),
        check_plan,
        owner="orders",
    ),
    EntryPoint(
        "cdiscount.soap.map_order+plan_sale_order",
        mutated(samples.CDISCOUNT_SOAP_ORDER),
        _planned(cdiscount_soap.map_order),
        check_plan,
        owner="orders",
    ),
    EntryPoint(
        "cdiscount.rest.orders_page",
        maybe_mutated(samples.CDISCOUNT_REST_PAGE),
        _run_cdiscount_rest_page,
        _check_cdiscount_rest_page,
    ),
    EntryPoint(
        "cdiscount.soap.orders_page",
        maybe_mutated(samples.CDISCOUNT_SOAP_PAGE),
        _run_cdiscount_soap_page,
        _check_cdiscount_soap_page,
    ),
    EntryPoint(
        "amazon.searchOrders.page",
        maybe_mutated(samples.AMAZON_SEARCH_PAGE),
        _run_search_page,
        _check_search_page,
    ),
    EntryPoint(
        "fnac.orders_query.map_order+plan_sale_order",
        mutated(fnac_samples.partly_refused()),
        _run_fnac_map_order,
        check_plan,
        owner="orders",
    ),
    EntryPoint(
        "fnac.orders_query.relay+company.map_order+plan_sale_order",
        st.one_of(mutated(fnac_samples.relay()), mutated(fnac_samples.company())),
        _run_fnac_map_order,
        check_plan,
        owner="orders",
    ),
    EntryPoint(
        "fnac.orders_query.raw_state",
        maybe_mutated(fnac_samples.created()),
        fnac_mapping.raw_state,
        _check_fnac_raw_state,
    ),
    EntryPoint(
        "fnac.messages_query.map_message",
        maybe_mutated(fnac_samples.message()),
        fnac_messages.map_message,
        check_message,
    ),
    EntryPoint(
        "fnac.incidents_query.map_incident",
        maybe_mutated(fnac_samples.incident()),
        fnac_messages.map_incident,
        check_message,
    ),
    EntryPoint(
        "fnac.offers_query.map_listing",
        maybe_mutated(fnac_samples.offer()),
        fnac_offers.map_listing,
        check_listing,
    ),
    EntryPoint(
        "fnac.offers_query.listing_parts",
        maybe_mutated(fnac_samples.offer()),
        fnac_offers.listing_parts,
        lambda listing: [] if isinstance(listing, Listing) else ["not a Listing"],
    ),
    EntryPoint(
        "fnac.orders_query.page",
        maybe_mutated(
            fnac_samples.element_to_json(
                fnac_samples.orders_response([fnac_samples.order_element()]),
                ("order", "order_detail", "error"),
            )
        ),
        _run_fnac_orders_page,
        _check_fnac_orders_page,
    ),
    EntryPoint(
        "fnac.orders_update.update_results",
        xml_shaped(
            maybe_mutated(fnac_samples.orders_update_answer()), ORDERS_UPDATE_LISTS
        ),
        fnac_answers.update_results,
        _check_fnac_update_results,
    ),
    EntryPoint(
        "fnac.batch_status.read_batch",
        xml_shaped(maybe_mutated(fnac_samples.batch_answer()), BATCH_LISTS),
        _run_fnac_batch,
        check_push_status,
    ),
    EntryPoint(
        "fnac.pricing_query.read_product",
        xml_shaped(maybe_mutated(fnac_samples.pricing_product()), PRICING_LISTS),
        _run_fnac_pricing,
        _check_fnac_pricing,
    ),
]

# -- Mirakl P11 (competitors' offers) ------------------------------------------
_MIRAKL_P11_ANSWER = {
    "products": [
        {
            "product_sku": "MKP00000001",
            "product_title": "Mug rouge 1",
            "product_references": [
                {"reference": "3760420000017", "reference_type": "EAN"}
            ],
            "total_count": 2,
            "offers": [
                {
                    "shop_id": 2001,
                    "shop_name": "Own shop",
                    "price": 19.9,
                    "min_shipping_price": 0,
                    "total_price": 19.9,
                    "state_code": "11",
                    "shop_grade": 0,
                    "nb_evaluation": 0,
                    "premium": False,
                    "is_professional": True,
                    "currency_iso_code": "EUR",
                },
                {
                    "shop_id": 3101,
                    "shop_name": "Maison & Co",
                    "price": 18.5,
                    "min_shipping_price": 2.9,
                    "total_price": 21.4,
                    "state_code": "3",
                    "shop_grade": 4.6,
                    "nb_evaluation": 1200,
                    "premium": True,
                    "is_professional": False,
                    "currency_iso_code": "EUR",
                },
            ],
        }
    ]
}


def _run_mirakl_p11(body):
    gathered = mirakl_competitors.Gathered()
    for product in mirakl_competitors.read_products(body):
        gathered.add(product)
    return mirakl_competitors.build(
        ("EAN", "3760420000017"), gathered, "2001", "Own shop", NOW
    )


ENTRY_POINTS.append(
    EntryPoint(
        "mirakl.p11.product_offers",
        maybe_mutated(_MIRAKL_P11_ANSWER),
        _run_mirakl_p11,
        _check_fnac_pricing,  # the same sanity of a ProductOffers
    )
)

# -- Amazon Product Pricing / Product Fees (HR2) -------------------------------
_AMAZON_ITEM_OFFERS = {
    "status": {"statusCode": 200, "reasonPhrase": "OK"},
    "body": {
        "payload": {
            "ASIN": "B0AAAAAAAA",
            "status": "Success",
            "ItemCondition": "New",
            "Identifier": {"MarketplaceId": "A13V1IB3VIYZZH", "ItemCondition": "New"},
            "Summary": {
                "TotalOfferCount": 2,
                "LowestPrices": [
                    {
                        "condition": "new",
                        "fulfillmentChannel": "Amazon",
                        "LandedPrice": {"CurrencyCode": "EUR", "Amount": 18.5},
                        "ListingPrice": {"CurrencyCode": "EUR", "Amount": 18.5},
                    }
                ],
            },
            "Offers": [
                {
                    "SellerId": "A1SANDBOXSELLER1",
                    "MyOffer": True,
                    "ListingPrice": {"CurrencyCode": "EUR", "Amount": 19.9},
                    "Shipping": {"CurrencyCode": "EUR", "Amount": 0},
                    "IsFulfilledByAmazon": False,
                    "SubCondition": "new",
                },
                {
                    "SellerId": "A3COMPETITOR",
                    "SellerFeedbackRating": {
                        "SellerPositiveFeedbackRating": 97.0,
                        "FeedbackCount": 1200,
                    },
                    "ListingPrice": {"CurrencyCode": "EUR", "Amount": 18.5},
                    "Shipping": {"CurrencyCode": "EUR", "Amount": 0},
                    "IsFulfilledByAmazon": True,
                    "IsBuyBoxWinner": True,
                    "SubCondition": "new",
                },
            ],
        }
    },
    "request": {"Asin": "B0AAAAAAAA", "MarketplaceId": "A13V1IB3VIYZZH"},
}
_AMAZON_FEES = {
    "Status": "Success",
    "FeesEstimate": {
        "TimeOfFeesEstimation": "2026-01-01T00:00:00Z",
        "TotalFeesEstimate": {"CurrencyCode": "EUR", "Amount": 3.8},
    },
}


def _run_amazon_item_offers(entry):
    return amazon_pricing.read_result(
        entry, "ASIN", "B0AAAAAAAA", "A1SANDBOXSELLER1", "EUR", NOW
    )


def _check_amazon_fees(result):
    if isinstance(result, MphubError):
        return sane_text(str(result), "error")
    problems = []
    for name in ("price", "total", "variable", "fixed"):
        problems += sane_money(getattr(result, name), f"fees.{name}", optional=False)
    if not problems and result.variable + result.fixed != result.total:
        problems.append(f"fees {result!r}: the parts do not add up to the total")
    return problems


ENTRY_POINTS.extend(
    (
        EntryPoint(
            "amazon.pricing.item_offers",
            maybe_mutated(_AMAZON_ITEM_OFFERS),
            _run_amazon_item_offers,
            _check_fnac_pricing,  # the same sanity of a ProductOffers
        ),
        EntryPoint(
            "amazon.pricing.fees_estimate",
            maybe_mutated(_AMAZON_FEES),
            amazon_pricing_fees.read_estimate,
            _check_amazon_fees,
        ),
    )
)


# -- Amazon Product Pricing 2022-05-01: one competitive summary ----------------
_AMAZON_SUMMARY = {
    "status": {"statusCode": 200, "reasonPhrase": "OK"},
    "body": {
        "asin": "B0AAAAAAAA",
        "marketplaceId": "A13V1IB3VIYZZH",
        "featuredBuyingOptions": [
            {
                "buyingOptionType": "New",
                "segmentedFeaturedOffers": [
                    {
                        "sellerId": "A2COMPETITOR01",
                        "condition": "New",
                        "fulfillmentType": "AFN",
                        "listingPrice": {"amount": 19.9, "currencyCode": "EUR"},
                        "featuredOfferSegments": [
                            {
                                "customerMembership": "PRIME",
                                "segmentDetails": {"glanceViewWeightPercentage": 70},
                            }
                        ],
                    }
                ],
            }
        ],
        "lowestPricedOffers": [
            {
                "lowestPricedOffersInput": {
                    "itemCondition": "New",
                    "offerType": "Consumer",
                },
                "offers": [
                    {
                        "sellerId": "A1SANDBOXSELLER1",
                        "condition": "New",
                        "fulfillmentType": "MFN",
                        "listingPrice": {"amount": 20.5, "currencyCode": "EUR"},
                        "shippingOptions": [
                            {
                                "shippingOptionType": "DEFAULT",
                                "price": {"amount": 2.99, "currencyCode": "EUR"},
                            }
                        ],
                    }
                ],
            }
        ],
    },
}


def _run_amazon_summary(entry):
    return amazon_pricing_fees.read_summary(
        entry, "B0AAAAAAAA", "A1SANDBOXSELLER1", "EUR", NOW
    )


ENTRY_POINTS.append(
    EntryPoint(
        "amazon.pricing.competitive_summary",
        maybe_mutated(_AMAZON_SUMMARY),
        _run_amazon_summary,
        _check_fnac_pricing,  # the same sanity of a ProductOffers
    )
)


# -- repricing: competitor prices imported from CSV / XLSX (HR1) ---------------
_REPRICING_CSV = (
    "EAN;Vendeur;Prix;Frais de port;Etat;Expedition;Note;Nombre d'avis;Mis en avant\n"
    "3700000000011;Shop A;19,90;2,99;11;vendeur;4,8;1 204;oui\n"
    "3700000000011;Shop B;1 019,50;;11;FBA;;;non\n"
)


def _run_repricing_csv(data):
    from mphub.repricing.imports import import_csv

    return import_csv(data)


def _check_repricing_import(result):
    problems = []
    for product in result.products:
        problems += sane_key(product.reference, "reference")
        for offer in product.offers:
            problems += sane_key(offer.seller, "seller")
            problems += sane_money(offer.price, "price", optional=False)
            problems += sane_money(offer.shipping, "shipping", optional=False)
            problems += sane_count(offer.rating_count, "rating count")
    for number, _row, reason in result.errors:
        if not isinstance(number, int) or not reason:
            problems.append(f"error row {number!r} without a reason")
    return problems


ENTRY_POINTS.append(
    EntryPoint(
        "repricing.imports.csv",
        st.one_of(
            st.text(max_size=400).map(lambda tail: _REPRICING_CSV + tail),
            st.binary(max_size=300),
            st.lists(
                st.lists(st.sampled_from(["", "x", "1,5", "-2", "1e9", "\x00", ";"])),
                max_size=5,
            ).map(lambda rows: _REPRICING_CSV + _csv_text(rows)),
        ),
        _run_repricing_csv,
        _check_repricing_import,
    )
)


BY_NAME = {entry.name: entry for entry in ENTRY_POINTS}
