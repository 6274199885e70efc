"""Fnac Darty messages and incidents -> ``mphub.messages.CustomerMessage``.

Raw records are the ``message`` elements of a ``messages_query_response``
(``element_to_json(element, MESSAGE_LISTS)``) and the ``incident`` elements
of an ``incidents_query_response`` (``INCIDENT_LISTS``). Decisions:

- a message's id is its ``message_id``; an incident's is
  ``"incident:" + its id attribute`` (else ``"incident:<order>:<created>"``),
  so that both kinds never collide on one account; ``extra`` keeps the raw
  ids (``message_id`` / ``incident_id``);
- author: ``message_from@type`` CLIENT -> customer, CALLCENTER -> operator,
  SELLER -> seller, SYSTEM or no ``message_from`` -> system (the response
  XSD allows only the first three: Fnac's own notices come without one), a
  ``message_from`` without a type -> customer;
- a message on an order has ``message_referer type="ORDER"`` (or no type):
  its text is the order id; an offer's message (OFFER) has no order;
- a reply is expected from the seller for a message of the customer or the
  operator that is not archived and not answered (``answer`` or
  ``answer_at`` given); ``state`` is READ / UNREAD;
- the body is plain text: ``<br>`` become line breaks, other tags are
  removed (Fnac's descriptions may carry some markup);
- an incident (author from ``opened_by``: client -> customer, call-center
  -> operator, seller -> seller) is about the order of its header; its
  subject is the reason of its lines (state.xsd ``incident_open_state``),
  its body the header's message; it expects a reply while OPENED unless
  ``waiting_for_seller_answer`` is FALSE (then answered); ``state`` is
  OPENED / CLOSED;
- a record without an id, a date or a text raises ``InvalidPayload`` with
  every reason (the page puts it in ``invalid``).
"""

import re

from ..errors import InvalidPayload
from ..messages import CustomerMessage
from ..parsing import Reader, _show
from .mapping import attr_text, obj, read_date, records, text

AUTHORS = {
    "CLIENT": "customer",
    "CALLCENTER": "operator",
    "SELLER": "seller",
    "SYSTEM": "system",
}
INCIDENT_AUTHORS = {"client": "customer", "call-center": "operator", "seller": "seller"}
REPLYING = ("customer", "operator")
# state.xsd incident_open_state
INCIDENT_REASONS = {
    "0": "No incident",
    "1": "Article not received",
    "2": "Article inconsistent with its description",
    "3": "Defective article",
    "4": "Retraction",
    "5": "Infringing article",
    "6": "Other (customer)",
    "7": "Refund",
    "8": "No stock",
    "9": "Returned by the customer",
    "10": "Cancelled by the customer",
    "11": "Shipping impossible",
    "12": "Article not received",
    "13": "Faulty article",
    "14": "Article unlike its description",
    "15": "Other (seller)",
    "16": "Longer delay",
    "17": "Refund by the seller",
    "18": "Refund by the call centre",
}
# state.xsd incident_close_state
CLOSE_STATUSES = {
    "1": "Article referred to the seller",
    "2": "Refund by cheque",
    "3": "Seller's agreement",
    "4": "Article received",
    "5": "Good article",
    "6": "Article not received",
    "7": "Faulty article",
    "8": "Article unlike its description",
    "9": "The customer does not answer",
    "10": "Refund",
    "11": "Other",
    "12": "Solved by Fnac",
    "13": "No answer",
}
MAX_BODY = 20000
_BREAK = re.compile(r"<\s*br\s*/?\s*>", re.IGNORECASE)
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")


def plain_body(value):
    """The text of a message body: ``<br>`` as line breaks, other tags
    removed, control characters (but line breaks) removed, stripped."""
    if not isinstance(value, str):
        return ""
    value = _TAG.sub("", _BREAK.sub("\n", value[: MAX_BODY * 2]))
    value = "".join(c for c in value if c in "\n\t" or c.isprintable())
    lines = [" ".join(line.split()) for line in value.splitlines()]
    return "\n".join(lines).strip()[:MAX_BODY]


def _flag(value):
    """TRUE / FALSE texts (any case) as a boolean, None otherwise."""
    value = value.strip().upper() if isinstance(value, str) else None
    return {"TRUE": True, "FALSE": False}.get(value)


def map_message(raw):
    """The ``CustomerMessage`` of a raw ``message`` record."""
    if not isinstance(raw, dict):
        raise InvalidPayload(f"message: expected an element, got {type(raw).__name__}")
    r = Reader()
    message_id = r.identifier(raw, "message_id", "message")
    created = read_date(r, raw, "created_at", "message")
    updated = read_date(r, raw, "updated_at", "message", required=False)
    sender = raw.get("message_from")
    author = _author(r, sender)
    subject = text(raw, "message_subject", 500)
    body = plain_body(raw.get("message_description"))
    if not (subject or body):
        r.fail("message.message_description", "missing (and no subject)")
    r.raise_if_errors()
    referer = raw.get("message_referer")
    referer_type = referer.get("@type") if isinstance(referer, dict) else None
    order_id = None
    if referer_type in (None, "", "ORDER"):
        order_id = Reader().identifier({"v": attr_text(referer)}, "v", "", False)
    archived = _flag(raw.get("@archived")) is True
    answer = plain_body(raw.get("answer"))
    answered = bool(answer) or bool(text(raw, "answer_at", 40))
    return _message(
        external_id=message_id,
        kind="message",
        order_external_id=order_id,
        author=author,
        subject=subject or "",
        body=body,
        created_at=created,
        updated_at=max(created, updated or created),
        reply_expected=author in REPLYING and not archived and not answered,
        answered=answered,
        state=text(raw, "@state", 20),
        extra={
            "message_id": message_id,
            "referer_type": referer_type or None,
            "referer": text({"v": attr_text(referer)}, "v", 100),
            "from_name": text({"v": attr_text(sender)}, "v", 200),
            "archived": archived,
            "offer_title": text(raw, "message_offer_title", 500),
            "answer": answer or None,
            "answer_at": text(raw, "answer_at", 40),
            "files": [
                {key: text(item, key, 1000) for key in ("name", "url", "filetype")}
                for item in records(raw, "message_file")
            ],
        },
        raw=raw,
    )


def _author(r, sender):
    """Who wrote a message: ``message_from``'s type; without the element a
    notice of Fnac (system); an element without a type someone's message
    (customer: better a reply expected than one missed)."""
    if sender is None:
        return "system"
    kind = sender.get("@type") if isinstance(sender, dict) else None
    if kind is None or (isinstance(kind, str) and not kind.strip()):
        return "customer"
    author = AUTHORS.get(kind.strip().upper()) if isinstance(kind, str) else None
    if author is None:
        r.fail("message.message_from", f"unknown sender type {_show(kind)}")
    return author


def _message(**values):
    """The ``CustomerMessage``; what its own checks refuse is an
    ``InvalidPayload``."""
    try:
        return CustomerMessage(**values)
    except ValueError as err:
        raise InvalidPayload(f"message: {err}") from err


def map_incident(raw):
    """The ``CustomerMessage`` (kind ``incident``) of a raw ``incident``."""
    if not isinstance(raw, dict):
        raise InvalidPayload(f"incident: expected an element, got {type(raw).__name__}")
    header = obj(raw, "header")
    if header is None:
        raise InvalidPayload(["incident.header: missing"])
    r = Reader()
    order_id = r.identifier(header, "order_id", "incident.header")
    created = read_date(r, header, "created_at", "incident.header")
    updated = read_date(r, header, "updated_at", "incident.header", required=False)
    status = r.identifier(header, "status", "incident.header")
    r.raise_if_errors()
    incident_id = text(raw, "@id", 64)
    details = records(obj(raw, "order_details_incident"), "order_detail_incident")
    reasons = []
    for detail in details:
        label = INCIDENT_REASONS.get(text(detail, "type", 10) or "")
        if label and label not in reasons:
            reasons.append(label)
    opened = status.upper() == "OPENED"
    waiting = _flag(header.get("waiting_for_seller_answer"))
    closed_status = text(header, "closed_status", 10)
    return _message(
        external_id=f"incident:{incident_id or f'{order_id}:{created.isoformat()}'}",
        kind="incident",
        order_external_id=order_id,
        author=INCIDENT_AUTHORS.get(text(header, "opened_by", 20), "customer"),
        subject=", ".join(reasons) or "Incident",
        body=plain_body(header.get("message")),
        created_at=created,
        updated_at=max(created, updated or created),
        reply_expected=opened and waiting is not False,
        answered=opened and waiting is False,
        state=status.upper(),
        extra={
            "incident_id": incident_id,
            "types": [text(d, "type", 10) for d in details if text(d, "type", 10)],
            "lines": [text(d, "order_detail_id", 20) for d in details],
            "closed_by": text(header, "closed_by", 20),
            "closed_status": CLOSE_STATUSES.get(closed_status or "", closed_status),
            "closed_at": text(header, "closed_at", 40),
            "refunds": _refunds(details),
        },
        raw=raw,
    )


def _refunds(details):
    """The refunds of the incident's lines (amounts as texts)."""
    found = []
    for detail in details:
        for refund in records(obj(detail, "refunds"), "refund"):
            keys = ("product_amount", "shipping_amount", "fee_ht_amount", "created_at")
            found.append(
                {
                    "order_detail_id": text(detail, "order_detail_id", 20),
                    **{key: text(refund, key, 40) for key in keys},
                }
            )
    return found
