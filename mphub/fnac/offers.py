"""Offers on Fnac: offers_update, batch_status, offers_query.

- ``push_offers(rows)``: one offers_update of at most ``MAX_PUSH_ROWS``
  offers, each addressed by ``offer_reference type="SellerSku"`` with only
  what the row carries, its price and/or its quantity: the condition
  (``product_state``), showcase, description and promotions are never sent,
  so Fnac keeps them. A row with an EAN carries ``product_reference
  type="Ean"`` too, which lets Fnac create an offer it does not know yet (in
  its default condition, new). Returns the batch id to poll.
- Values the XSD forbids (a price outside ]0.89, 20000], a quantity outside
  0..9999, an empty SKU) would make Fnac refuse the whole call (ERR_096):
  such rows are not sent and their reasons travel in the batch id
  (``<uuid>#<row index>:<reason code>,...``), so that ``push_status`` puts
  them on their offers with Fnac's own errors; a batch of such rows only is
  answered at once with its ``PushStatus``.
- ``push_status``: batch_status; ACTIVE and RUNNING are pending, OK,
  WARNING, ERROR and FATAL done; the offers in ERROR (or FATAL) give SKU ->
  reason. An ERROR batch without offers failed as a whole.
- ``list_listings(page)``: offers_query pages (page number), each record
  read by the mapping (a record it cannot read goes to ``invalid`` with its
  reasons).
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ..errors import InvalidPayload
from ..offers import ListingPage, OfferRow, PushStatus
from ..parsing import identifier_problem
from . import requests
from .answers import page_info, whole
from .mapping_offers import listing_parts, map_listing
from .payload import BATCH_LISTS, OFFER_LISTS
from .xmlapi import describe, errors_of, items, text_of

MAX_PUSH_ROWS = 10_000  # offers per offers_update (fnapy NOTES)
LISTING_PAGE_SIZE = 1000
MIN_PRICE = Decimal("0.89")  # exclusive (price_090_20000)
MAX_PRICE = Decimal("20000")
MAX_QUANTITY = 9999
CENT = Decimal("0.01")
PENDING_STATUSES = frozenset({"ACTIVE", "RUNNING"})
DONE_STATUSES = frozenset({"OK", "WARNING", "ERROR", "FATAL"})
FAILED_STATUSES = frozenset({"ERROR", "FATAL"})
# reasons of rows refused before sending, by the code carried in the batch id
LOCAL_REASONS = {
    "p": "price out of Fnac's range ]0.89, 20000] (not sent)",
    "q": "quantity out of Fnac's range 0..9999 (not sent)",
    "s": "no seller SKU (not sent)",
    "n": "neither a price nor a quantity to send",
}
LOCAL_MARK = "#"


def _offer(row):
    """``(offer dict, None)`` for ``requests.offers_update``, or ``(None,
    reason code)`` when the row cannot be sent."""
    sku = str(row.sku or "").strip()
    if not sku:
        return None, "s"
    offer = {"sku": sku}
    if row.price is not None:
        try:
            price = Decimal(str(row.price)).quantize(CENT, rounding=ROUND_HALF_UP)
        except (InvalidOperation, ValueError):
            return None, "p"
        if not MIN_PRICE < price <= MAX_PRICE:
            return None, "p"
        offer["price"] = f"{price:.2f}"
    if row.quantity is not None:
        quantity = int(row.quantity)
        if not 0 <= quantity <= MAX_QUANTITY:
            return None, "q"
        offer["quantity"] = str(quantity)
    if "price" not in offer and "quantity" not in offer:
        return None, "n"
    ean = str(row.ean or "").strip()
    if ean.isascii() and ean.isdigit():
        offer["ean"] = ean
    return offer, None


def _local_errors(batch_id, skus):
    """``(Fnac batch id, {sku: reason}, SKUs sent)`` of a batch id of ours
    (``skus``: the batch's rows in the order they were given)."""
    batch, _mark, refused = str(batch_id).partition(LOCAL_MARK)
    errors, indexes = {}, set()
    for part in refused.split(",") if refused else ():
        index, _colon, code = part.partition(":")
        if index.isdigit() and int(index) < len(skus):
            indexes.add(int(index))
            errors[skus[int(index)]] = LOCAL_REASONS.get(code, "not sent")
    sent = [sku for index, sku in enumerate(skus) if index not in indexes]
    return batch, errors, sent


def read_batch(doc, sent, local):
    """The ``PushStatus`` of a batch_status answer (``sent``: the SKUs sent,
    in order; ``local``: the reasons of the rows not sent)."""
    status = (doc.get("@status") or "").strip().upper()
    if status in PENDING_STATUSES:
        return PushStatus(done=False, message=status)
    if status not in DONE_STATUSES:
        return PushStatus(done=False, message=f"unknown batch status {status[:40]!r}")
    offers = items(doc.get("offer"))
    errors = dict(local)
    # offers without their SKU: by position, when the answer lists them all
    positional = sent if len(sent) == len(offers) else None
    for index, offer in enumerate(offers):
        offer_status = (offer.get("@status") or "").strip().upper()
        if offer_status not in FAILED_STATUSES:
            continue
        sku = text_of(offer.get("offer_seller_id"))
        if sku and (sku != sku.strip() or identifier_problem(sku)):
            sku = None  # not a SKU this client sends: by position, if at all
        if not sku and positional is not None:
            sku = positional[index]
        if sku:
            errors[sku] = describe(errors_of(offer)) or f"status {offer_status}"
    failed = status in FAILED_STATUSES and not offers and not local
    message = status
    if errors_of(doc):
        message = f"{status}: {describe(errors_of(doc))}"
    return PushStatus(
        done=True,
        failed=failed,
        message=message,
        errors=errors,
        lines_read=len(offers) + len(local) if offers or local else None,
        lines_in_error=len(errors),
    )


class FnacOffersMixin:
    """Offer verbs of ``FnacClient`` (needs ``_post``)."""

    max_push_rows = MAX_PUSH_ROWS
    pushes_both = True
    complete_offer_rows = False

    def push_offers(self, rows):
        if len(rows) > MAX_PUSH_ROWS:
            raise ValueError(
                f"offers_update takes {MAX_PUSH_ROWS} offers at most, not {len(rows)}"
            )
        offers, refused = [], []
        for index, row in enumerate(rows):
            offer, code = _offer(row)
            if offer is None:
                refused.append(f"{index}:{code}")
            else:
                offers.append(offer)
        if not offers:
            if not rows:
                return None
            skus = [str(row.sku or "") for row in rows]
            _batch, errors, _sent = _local_errors(LOCAL_MARK + ",".join(refused), skus)
            return PushStatus(
                done=True, message="not sent", errors=errors, lines_in_error=len(errors)
            )
        doc = self._post("offers_update", requests.offers_update(offers))
        batch_id = text_of(doc.get("batch_id"))
        if not batch_id:
            raise InvalidPayload(
                f"offers_update: the answer holds no batch id "
                f"({describe(errors_of(doc))})"
            )
        return batch_id + (LOCAL_MARK + ",".join(refused) if refused else "")

    def push_stock(self, rows):
        return self.push_offers(
            [OfferRow(row.sku, quantity=row.quantity) for row in rows]
        )

    def push_prices(self, rows):
        return self.push_offers([OfferRow(row.sku, price=row.price) for row in rows])

    def push_status(self, kind, batch_id, skus=None):
        batch, local, sent = _local_errors(batch_id, [str(sku) for sku in skus or ()])
        batch = batch.strip()
        if not batch:
            raise InvalidPayload(f"batch id {str(batch_id)[:60]!r} is not a Fnac batch")
        doc = self._post("batch_status", requests.batch_status(batch), BATCH_LISTS)
        return read_batch(doc, sent, local)

    def list_listings(self, page=None):
        number = 1
        if page not in (None, ""):
            text = str(page)
            if not (text.isascii() and text.isdigit() and 0 < int(text) < 10**6):
                raise InvalidPayload(f"offers_query: page {text[:40]!r} is not a page")
            number = int(text)
        doc = self._post(
            "offers_query",
            requests.offers_query(number, LISTING_PAGE_SIZE),
            (*OFFER_LISTS, "offer"),
        )
        listings, invalid = [], []
        for raw in items(doc.get("offer")):
            try:
                listings.append(map_listing(raw))
            except InvalidPayload as err:
                invalid.append((raw, "; ".join(err.reasons)))
        info = page_info(doc)
        total_paging = info.total_paging
        if total_paging is None:
            more = len(listings) + len(invalid) >= LISTING_PAGE_SIZE
        else:
            more = number < total_paging
        return ListingPage(
            listings=listings,
            next_page=str(number + 1) if more else None,
            total=whole(doc.get("nb_total_result")),
            invalid=invalid,
        )

    def listing_parts(self, raw):
        return listing_parts(raw)
