"""What the Mirakl emulator does with an offer import, line by line.

- STO01 (stock): ``"offer-sku";"quantity";"warehouse-code";"update-delete"``,
  one quantity per line, global or per warehouse;
- PRI01 (prices): ``"offer-sku";"price";"discount-price";
  "discount-start-date";"discount-end-date"``, every price of each offer
  replaced (a line without discount removes the offer's discount);
- OF24 (JSON) and OF01 (CSV): each offer replaced as a whole, the fields left
  out going back to their defaults (quantity 0, no description, no
  discount...), as Mirakl documents.

Only the valid lines are applied; each refused line is kept with its reason
for the error report (STO03, PRI03, OF03).
"""

import csv
import io
from contextlib import nullcontext

from .mirakl_offer_store import Offer, parse_cents, parse_quantity
from .server import parse_timestamp

STOCK_REQUIRED = ("offer-sku", "quantity")
PRICE_REQUIRED = ("offer-sku", "price")
OF01_REQUIRED = ("sku",)
# PRI01 lines for prices other than the default one (channel, customer,
# scheduled): accepted, and left aside by the sandbox
OTHER_PRICE_COLUMNS = (
    "channels",
    "customer-organization-ids",
    "customer-group-ids",
    "start-date",
    "end-date",
)
# optional offer fields of OF24 (and their OF01 columns), with their type;
# left out of an update, they are deleted
DETAIL_FIELDS = {
    "description": str,
    "internal_description": str,
    "price_additional_info": str,
    "logistic_class": str,
    "available_started": str,
    "available_ended": str,
    "leadtime_to_ship": int,
    "min_order_quantity": int,
    "max_order_quantity": int,
    "min_quantity_alert": int,
    "package_quantity": int,
    "allow_quote_requests": bool,
}
# OF01 column -> OF24 field, where the name is not the same with "_"
OF01_FIELDS = {
    "sku": "shop_sku",
    "state": "state_code",
    "available-start-date": "available_started",
    "available-end-date": "available_ended",
}
OF01_DISCOUNT = {
    "discount-price": "price",
    "discount-start-date": "start_date",
    "discount-end-date": "end_date",
}
# the columns of OF03's report for OF24 offers (which have no file)
OF24_REPORT_COLUMNS = (
    ("sku", "shop_sku"),
    ("product-id", "product_id"),
    ("product-id-type", "product_id_type"),
    ("price", "price"),
    ("quantity", "quantity"),
    ("state", "state_code"),
    ("update-delete", "update_delete"),
)
BULK_LINES = 100  # above, the sort orders are rebuilt once afterwards


class LineError(ValueError):
    """A line of an import is refused; the message goes in the report."""


def parse_csv(content):
    """``(header, rows)`` of a ``;``-separated file; ``rows`` are
    ``(line number, values)``, numbered as in the file (the header is line
    1), blank lines left out."""
    text = content.decode("utf-8-sig", "replace")
    reader = csv.reader(io.StringIO(text), delimiter=";")
    header = [name.strip() for name in next(reader, [])]
    rows = [
        (reader.line_num, values)
        for values in reader
        if any(value.strip() for value in values)
    ]
    return header, rows


def report_csv(header, lines):
    """A report in Mirakl's CSV dialect: ``;``, every value quoted."""
    buffer = io.StringIO()
    writer = csv.writer(
        buffer, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\n"
    )
    writer.writerow(header)
    writer.writerows(lines)
    return buffer.getvalue()


def apply_import(store, offer_import, resolve_product):
    """Apply a due import to ``store``; its status becomes COMPLETE (or
    FAILED when the file cannot be read at all)."""
    apply = {
        "STO01": _apply_stock,
        "PRI01": _apply_prices,
        "OF01": _apply_offer_file,
        "OF24": _apply_offer_items,
    }[offer_import.operation]
    changes_order = offer_import.operation != "STO01"
    many = changes_order and len(offer_import.rows) > BULK_LINES
    with store.bulk() if many else nullcontext():
        apply(store, offer_import, resolve_product)
    if not offer_import.done:
        offer_import.status = "COMPLETE"


def _missing_columns(offer_import, required):
    missing = [name for name in required if name not in offer_import.header]
    if missing:
        offer_import.fail(f"The file has no column {', '.join(missing)}")
    return missing


def _each_line(offer_import, apply_line):
    """Run ``apply_line(values)`` on every line; keep the refused ones."""
    for number, values in offer_import.rows:
        try:
            apply_line(values)
        except LineError as err:
            offer_import.refuse(number, str(err), values)
        else:
            offer_import.lines_ok += 1


def _row(offer_import, values):
    """A CSV line as ``{column: value}`` (missing values are empty)."""
    header = offer_import.header
    values = (list(values) + [""] * len(header))[: len(header)]
    return {name: value.strip() for name, value in zip(header, values, strict=True)}


def _offer(store, sku):
    if not sku:
        raise LineError("The offer SKU is missing")
    offer = store.get(sku)
    if offer is None:
        raise LineError(f"The offer with SKU '{sku}' does not exist")
    return offer


def _update_delete(value):
    action = (value or "update").strip().lower()
    if action not in ("update", "delete"):
        raise LineError(f"update-delete must be empty, update or delete, not '{value}'")
    return action


# ----------------------------------------------------------------------
# STO01
# ----------------------------------------------------------------------
def _apply_stock(store, offer_import, _resolve_product):
    if _missing_columns(offer_import, STOCK_REQUIRED):
        return

    def apply_line(values):
        row = _row(offer_import, values)
        offer = _offer(store, row["offer-sku"])
        action = _update_delete(row.get("update-delete"))
        warehouse = row.get("warehouse-code") or None
        if action == "delete":
            _delete_stock(offer, warehouse)
        else:
            quantity = parse_quantity(row["quantity"])
            if quantity is None:
                raise LineError(
                    f"The quantity '{row['quantity']}' must be a whole number, "
                    "0 or more"
                )
            offer.set_quantity(quantity, warehouse)
        offer_import.updated.add(offer.sku)

    _each_line(offer_import, apply_line)


def _delete_stock(offer, warehouse):
    """``delete``: the warehouse's stock goes, or the whole stock."""
    if warehouse and offer.warehouses and warehouse in offer.warehouses:
        rest = {k: v for k, v in offer.warehouses.items() if k != warehouse}
        offer.warehouses = rest or None
        offer.quantity = sum(rest.values())
    elif not warehouse:
        offer.set_quantity(0)


# ----------------------------------------------------------------------
# PRI01
# ----------------------------------------------------------------------
def _apply_prices(store, offer_import, _resolve_product):
    if _missing_columns(offer_import, PRICE_REQUIRED):
        return

    def apply_line(values):
        row = _row(offer_import, values)
        offer = _offer(store, row["offer-sku"])
        cents = _price(row["price"])
        discount = _csv_discount(row, cents)
        if any(row.get(name) for name in OTHER_PRICE_COLUMNS):
            return  # a channel, customer or scheduled price: not emulated
        store.set_price(offer, cents)
        offer.discount = discount
        offer_import.updated.add(offer.sku)

    _each_line(offer_import, apply_line)


def _price(value, name="price"):
    cents = parse_cents(value)
    if cents is None:
        raise LineError(
            f"The {name} '{value}' must be a positive amount with at most 2 decimals"
        )
    return cents


def _csv_discount(row, cents):
    if not row.get("discount-price"):
        return None
    return _discount(
        {
            "price": row["discount-price"],
            "start_date": row.get("discount-start-date"),
            "end_date": row.get("discount-end-date"),
        },
        cents,
    )


def _discount(value, cents):
    """``{"cents", "start_date", "end_date"}`` of a discount, checked."""
    if not value:
        return None
    if not isinstance(value, dict):
        raise LineError("discount must be an object")
    discount = _price(value.get("price"), "discount price")
    if discount >= cents:
        raise LineError("The discount price must be lower than the price")
    dates = {}
    for key in ("start_date", "end_date"):
        text = value.get(key)
        if text:
            try:
                parse_timestamp(text)
            except ValueError as err:
                raise LineError(f"The discount {key} '{text}' is not a date") from err
        dates[key] = text or None
    return {"cents": discount, **dates}


# ----------------------------------------------------------------------
# OF24 and OF01
# ----------------------------------------------------------------------
def _apply_offer_file(store, offer_import, resolve_product):
    """OF01: each line is an offer, as OF24 gets it."""
    if _missing_columns(offer_import, OF01_REQUIRED):
        return
    items = [
        (number, _of01_item(_row(offer_import, values)))
        for number, values in offer_import.rows
    ]
    seen = set()
    for (number, item), (_number, values) in zip(items, offer_import.rows, strict=True):
        try:
            _apply_offer_item(store, offer_import, item, resolve_product)
        except LineError as err:
            offer_import.refuse(number, str(err), values)
        else:
            offer_import.lines_ok += 1
        seen.add(item.get("shop_sku"))
    if offer_import.mode == "REPLACE":
        for sku in [sku for sku in store if sku not in seen]:
            store.remove(sku)
            offer_import.deleted += 1


def _of01_item(row):
    item, discount = {}, {}
    for column, value in row.items():
        if column in OF01_DISCOUNT:
            discount[OF01_DISCOUNT[column]] = value
        else:
            item[OF01_FIELDS.get(column, column.replace("-", "_"))] = value
    if any(discount.values()):
        item["discount"] = discount
    return item


def _apply_offer_items(store, offer_import, resolve_product):
    """OF24: the offers of the JSON body."""
    for number, item in offer_import.rows:
        try:
            _apply_offer_item(store, offer_import, item, resolve_product)
        except LineError as err:
            offer_import.refuse(number, str(err), item)
        else:
            offer_import.lines_ok += 1


def _apply_offer_item(store, offer_import, item, resolve_product):
    """Create, replace or delete one offer."""
    if not isinstance(item, dict):
        raise LineError("The offer is not an object")
    item = {key: value for key, value in item.items() if value not in (None, "")}
    sku = str(item.get("shop_sku") or "").strip()
    if not sku:
        raise LineError("shop_sku is missing")
    action = _update_delete(item.get("update_delete"))
    existing = store.get(sku)
    if action == "delete":
        _offer(store, sku)
        store.remove(sku)
        offer_import.deleted += 1
        return
    product = _product(item, existing, resolve_product)
    cents = _price(item.get("price"))
    state = str(item.get("state_code") or "").strip()
    if not state:
        raise LineError("state_code is missing")
    quantity = parse_quantity(item.get("quantity", 0))  # left out: 0
    if quantity is None:
        raise LineError(f"The quantity '{item['quantity']}' must be a whole number")
    offer = Offer(
        offer_id=existing.offer_id if existing else store.new_offer_id(),
        sku=sku,
        cents=cents,
        quantity=quantity,
        state_code=state,
        kind=existing.kind if existing else "api",
        details=_details(item),
        discount=_discount(item.get("discount"), cents),
        **product,
    )
    store.put(offer)
    if existing:
        offer_import.updated.add(sku)
    else:
        offer_import.inserted += 1


def _product(item, existing, resolve_product):
    """The product the offer is on: required to create an offer, kept from
    the offer when an update leaves it out."""
    product_id = str(item.get("product_id") or "").strip()
    id_type = str(item.get("product_id_type") or "").strip().upper()
    if not product_id or not id_type:
        if existing is None:
            raise LineError("product_id and product_id_type are required")
        return _product_of(existing)
    if existing is not None and (
        product_id in existing.eans or product_id == existing.product_sku
    ):
        return _product_of(existing)
    product = resolve_product(product_id, id_type)
    if product is None:
        raise LineError(f"The product {product_id} ({id_type}) does not exist")
    return product


def _product_of(offer):
    return {
        "product_sku": offer.product_sku,
        "title": offer.title,
        "eans": offer.eans,
    }


def _details(item):
    details = {}
    for name, kind in DETAIL_FIELDS.items():
        if name not in item:
            continue
        value = item[name]
        if kind is int:
            value = parse_quantity(value)
            if value is None:
                raise LineError(f"{name} must be a whole number, not {item[name]!r}")
        elif kind is bool:
            value = _boolean(name, value)
        else:
            value = str(value)
        details[name] = value
    return details


def _boolean(name, value):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in ("true", "false"):
        raise LineError(f"{name} must be true or false, not {value!r}")
    return text == "true"


# ----------------------------------------------------------------------
# error reports
# ----------------------------------------------------------------------
def error_report(offer_import):
    """The error report of a complete import: STO03/PRI03 put the line
    number and the reason first, OF03 last (as its example does)."""
    if offer_import.operation in ("STO01", "PRI01"):
        return report_csv(
            ["line-number", "error-message", *offer_import.header],
            [
                [number, message, *values]
                for number, message, values in offer_import.errors
            ],
        )
    if offer_import.operation == "OF01":
        header = list(offer_import.header)
        lines = [
            [*values, number, message]
            for number, message, values in offer_import.errors
        ]
    else:
        header = [column for column, _field in OF24_REPORT_COLUMNS]
        lines = [
            [*_of24_report_values(item), number, message]
            for number, message, item in offer_import.errors
        ]
    return report_csv([*header, "error-line", "error-message"], lines)


def _of24_report_values(item):
    if not isinstance(item, dict):
        return [""] * len(OF24_REPORT_COLUMNS)
    return [
        "" if item.get(name) is None else str(item[name])
        for _column, name in OF24_REPORT_COLUMNS
    ]
