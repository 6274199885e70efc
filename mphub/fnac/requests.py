"""Bodies of the Fnac requests, each in its XSD's element order.

Pure functions returning the request's root element (``FnacApi.post`` adds
the ``partner_id``, ``shop_id`` and ``token`` attributes). The XSDs are
``xs:sequence`` at the root: ``paging`` first, then the filters; values
that the XSDs restrict (13-character order ids, positive detail ids, prices
in ]0.89, 20000], quantities 0..9999, 32-character tracking numbers,
references of ``[0-9A-Z]``) are checked by the callers before anything is
built, so that one bad item never invalidates a whole call.
"""

from .xmlapi import add, request_root, stamp

ORDER_ID_LENGTH = 13


def _window(root, kind, begin, end):
    date = add(root, "date", type=kind)
    if begin is not None:
        add(date, "min", stamp(begin))
    if end is not None:
        add(date, "max", stamp(end))


def orders_query(page, page_size, begin=None, end=None, order_ids=None):
    """orders_query: page ``page`` (1-based) of ``page_size`` orders
    updated in [begin, end] (sorted by that date, ascending), or of the
    orders ``order_ids`` (50 at most)."""
    root = request_root("orders_query", results_count=page_size)
    add(root, "paging", page)
    if order_ids:
        ids = add(root, "orders_fnac_id")
        for order_id in order_ids:
            add(ids, "order_fnac_id", order_id)
    else:
        _window(root, "UpdatedAt", begin, end)
        add(root, "sort_by", "ASC")
    return root


def orders_update(orders):
    """orders_update: ``orders`` is a list of ``(order_id, action,
    details)``, ``details`` a list of dicts of the detail's elements
    (``order_detail_id``, ``action``, ``tracking_number``,
    ``tracking_company``), None values left out."""
    root = request_root("orders_update")
    for order_id, action, details in orders:
        order = add(root, "order", order_id=order_id, action=action)
        for detail in details:
            element = add(order, "order_detail")
            for tag in (
                "order_detail_id",
                "action",
                "tracking_number",
                "tracking_company",
            ):
                if detail.get(tag) not in (None, ""):
                    add(element, tag, detail[tag])
    return root


def carriers_query():
    root = request_root("carriers_query")
    add(root, "query", "all")
    return root


def offers_update(offers):
    """offers_update: ``offers`` is a list of dicts with ``sku`` and, when
    known, ``ean``, ``price`` (text), ``product_state``, ``quantity``; only
    those are sent (conditions, showcase and promotions stay as they are)."""
    root = request_root("offers_update")
    for offer in offers:
        element = add(root, "offer")
        if offer.get("ean"):
            add(element, "product_reference", offer["ean"], type="Ean")
        add(element, "offer_reference", offer["sku"], type="SellerSku")
        for tag in ("price", "product_state", "quantity"):
            if offer.get(tag) is not None:
                add(element, tag, offer[tag])
    return root


def batch_status(batch_id):
    root = request_root("batch_status")
    add(root, "batch_id", batch_id)
    return root


def offers_query(page, page_size):
    root = request_root("offers_query", results_count=page_size)
    add(root, "paging", page)
    return root


def pricing_query(references):
    """pricing_query (PricingQueryService.xsd, 10 references at most):
    ``references`` are ``(type, value)`` pairs; the shop's own offer comes
    apart, so the rows are the others' (``sellers="others"``)."""
    root = request_root("pricing_query", sellers="others")
    for kind, value in references:
        add(root, "product_reference", value, type=kind)
    return root


def messages_query(page, page_size, begin=None, end=None, message_id=None):
    """messages_query: the messages updated in [begin, end], oldest change
    first, or the message ``message_id``."""
    root = request_root("messages_query", results_count=page_size)
    add(root, "paging", page)
    if message_id:
        add(root, "message_id", message_id)
    else:
        _window(root, "UpdatedAt", begin, end)
        add(root, "sort_by", "UPDATED_AT", type="ASC")
    return root


def incidents_query(page, page_size, begin=None, end=None):
    root = request_root("incidents_query", results_count=page_size)
    add(root, "paging", page)
    _window(root, "UpdatedAt", begin, end)
    add(root, "sort_by", "ASC")
    return root


def messages_update(action, target_id, *, to=None, subject=None, body=None, kind=None):
    """messages_update of one message: ``action`` (reply, create...) on
    ``target_id`` (the message's id; the order's for a new message)."""
    root = request_root("messages_update")
    message = add(root, "message", action=action, id=target_id)
    for tag, value in (
        ("message_to", to),
        ("message_subject", subject),
        ("message_description", body),
        ("message_type", kind),
    ):
        if value is not None:
            add(message, tag, value)
    return root
