"""The quick order: requested lines (reference, quantity) becoming cart lines.

``mphub.b2b.quick_order`` reads what the buyer typed, pasted or uploaded into
``RequestedLine`` objects; ``QuickOrder`` resolves them against the website's
catalogue for one buyer (product, price of the buyer's pricelist for that
quantity, free stock on the website's warehouse, minimum and pack quantities)
and adds the good rows to the website cart through website_sale's own
``sale.order._cart_update``, so every rule of the cart applies.

Row ``status`` is ``ok`` (can be added), ``backorder`` (not enough free stock
but the product may be sold out of stock: added only when the buyer keeps it)
or ``error`` (never added); ``error_code`` is one of the core's codes
(``no_reference``, ``bad_quantity``, ``formula``, ``too_many_lines``,
``below_minimum``, ``not_multiple``, ``bad_reference``) or ``unknown``, ``ambiguous``,
``out_of_stock``; ``error`` is its translated message.
"""

from decimal import Decimal

from mphub.b2b.quick_order import MAX_LINES, check_quantity

from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import float_compare, format_amount

#: Name matches read per unresolved reference, at most (a name search is the
#: last resort: a reference matching more than one product is ambiguous).
NAME_MATCHES_PER_REFERENCE = 5
#: Codes listed in an "ambiguous" message, at most.
AMBIGUOUS_CODES_SHOWN = 5


def _escape_like(value):
    """value as a literal ``=ilike`` pattern (``_`` and ``%`` are common in codes)."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _number(value):
    """A quantity as text, without useless decimals (10.0 -> "10")."""
    text = f"{Decimal(str(value)):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


class QuickOrder:
    """The quick order of one buyer on one website."""

    def __init__(self, env, website, partner, pricelist):
        self.env = env
        self.website = website
        self.partner = partner
        self.pricelist = pricelist
        self.currency = (
            pricelist.currency_id
            or website.currency_id
            or website.company_id.currency_id
        )

    # -- messages -----------------------------------------------------------
    def _message(self, code, **params):
        """The translated message of an error code."""
        _ = self.env._
        if code == "no_reference":
            return _("This line has no reference.")
        if code == "bad_reference":
            return _("The reference is too long.")
        if code == "bad_quantity":
            return _("The quantity is not valid: give a positive number.")
        if code == "whole_quantity":
            return _("Only whole quantities can be ordered on the website.")
        if code == "formula":
            return _("This line looks like a spreadsheet formula: it was ignored.")
        if code == "too_many_lines":
            return _(
                "Only the first %(max)s lines are read: split your list.",
                max=MAX_LINES,
            )
        if code == "unknown":
            return _(
                "No product found for the reference “%(reference)s”.",
                reference=params.get("reference", ""),
            )
        if code == "ambiguous":
            return _(
                "“%(reference)s” matches several products (%(codes)s): "
                "give the exact reference.",
                reference=params.get("reference", ""),
                codes=params.get("codes", ""),
            )
        if code == "out_of_stock":
            return _(
                "Only %(available)s available now: the rest can be delivered later "
                "(about %(days)s days).",
                available=params.get("available", "0"),
                days=params.get("days", 0),
            )
        if code == "out_of_stock_refused":
            return _(
                "Only %(available)s available: this product cannot be ordered "
                "beyond its stock.",
                available=params.get("available", "0"),
            )
        if code == "below_minimum":
            return _(
                "The minimum order quantity is %(minimum)s.",
                minimum=params.get("minimum", ""),
            )
        if code == "not_multiple":
            return _(
                "This product is sold by packs of %(multiple)s.",
                multiple=params.get("multiple", ""),
            )
        return _("This line cannot be ordered.")

    # -- catalogue ----------------------------------------------------------
    def _product_domain(self):
        """Products this buyer may order on this website."""
        website = self.website
        domain = expression.AND(
            [
                website._product_domain(),
                website.website_domain(),
                [
                    ("type", "!=", "combo"),
                    ("company_id", "in", (False, website.company_id.id)),
                ],
            ]
        )
        if not self.env.user._is_internal():
            domain = expression.AND(
                [
                    domain,
                    [
                        ("is_published", "=", True),
                        (
                            "service_tracking",
                            "in",
                            self.env["product.template"]._get_saleable_tracking_types(),
                        ),
                    ],
                ]
            )
        return domain

    def _products(self):
        return self.env["product.product"].with_company(self.website.company_id)

    def _match(self, references):
        """reference -> products matching it, looked up in bulk.

        Exact internal reference (case-insensitive; an exact-case match wins),
        then barcode, then, for what is still unknown, the name: one search per
        kind for all references.
        """
        Product = self._products()
        base = self._product_domain()
        result = {}
        todo = sorted(set(references))
        if not todo:
            return result
        # 1. Internal reference.
        by_code = Product.search(
            expression.AND(
                [
                    base,
                    expression.OR(
                        [
                            [("default_code", "=ilike", _escape_like(ref))]
                            for ref in todo
                        ]
                    ),
                ]
            )
        )
        codes = {}
        for product in by_code:
            codes.setdefault(product.default_code.lower(), Product)
            codes[product.default_code.lower()] |= product
        for ref in todo:
            found = codes.get(ref.lower())
            if found:
                exact = found.filtered(lambda p, ref=ref: p.default_code == ref)
                result[ref] = exact if len(exact) == 1 else found
        todo = [ref for ref in todo if ref not in result]
        if not todo:
            return result
        # 2. Barcode.
        by_barcode = Product.search(expression.AND([base, [("barcode", "in", todo)]]))
        for product in by_barcode:
            result.setdefault(product.barcode, Product)
            result[product.barcode] |= product
        todo = [ref for ref in todo if ref not in result]
        if not todo:
            return result
        # 3. Name, as a last resort.
        by_name = Product.search(
            expression.AND(
                [base, expression.OR([[("name", "ilike", ref)] for ref in todo])]
            ),
            limit=NAME_MATCHES_PER_REFERENCE * len(todo),
        )
        for ref in todo:
            lowered = ref.lower()
            found = by_name.filtered(
                lambda p, lowered=lowered: lowered in (p.name or "").lower()
            )
            if found:
                result[ref] = found
        return result

    def _prices(self, pairs):
        """{(product id, quantity): unit price} for (product, quantity) pairs."""
        pricelist = self.pricelist.sudo()
        by_quantity = {}
        for product, quantity in pairs:
            by_quantity.setdefault(quantity, self._products())
            by_quantity[quantity] |= product
        prices = {}
        for quantity, products in by_quantity.items():
            computed = pricelist._get_products_price(
                products.sudo(), quantity, currency=self.currency
            )
            for product_id, price in computed.items():
                prices[product_id, quantity] = price
        return prices

    def _free_quantities(self, products):
        """{product id: free quantity on the website's warehouse} (storable only)."""
        storable = products.filtered("is_storable")
        if not storable:
            return {}
        storable = storable.sudo().with_context(
            warehouse_id=self.website.warehouse_id.id
        )
        return {product.id: product.free_qty for product in storable}

    def suggest(self, term, limit=10):
        """Products for a reference being typed: code, name and unit price."""
        term = (term or "").strip()
        if len(term) < 2:
            return []
        domain = expression.AND(
            [
                self._product_domain(),
                [
                    "|",
                    "|",
                    ("default_code", "=ilike", _escape_like(term) + "%"),
                    ("barcode", "=", term),
                    ("name", "ilike", term),
                ],
            ]
        )
        products = self._products().search(
            domain, limit=limit, order="default_code, id"
        )
        prices = self._prices([(product, 1.0) for product in products])
        return [
            {
                "product_id": product.id,
                "default_code": product.default_code or "",
                "name": product.display_name,
                "price_unit": prices.get((product.id, 1.0), 0.0),
                "price_unit_text": format_amount(
                    self.env, prices.get((product.id, 1.0), 0.0), self.currency
                ),
            }
            for product in products
        ]

    # -- resolution ---------------------------------------------------------
    def _row(self, line, **values):
        quantity = line.quantity
        row = {
            "number": line.number,
            "reference": line.reference,
            "raw": line.raw,
            "quantity": float(quantity) if quantity is not None else 0.0,
            "product_id": False,
            "name": "",
            "default_code": "",
            "price_unit": 0.0,
            "subtotal": 0.0,
            "price_unit_text": "",
            "subtotal_text": "",
            "currency": self.currency.name or "",
            "available": None,
            "lead_time": 0,
            "status": "ok",
            "error": "",
            "error_code": "",
        }
        row.update(values)
        return row

    def _error(self, row, code, message=None, status="error", **params):
        row.update(
            status=status,
            error_code=code,
            error=message or self._message(code, **params),
        )
        return row

    def resolve(self, lines):
        """One row (dict) per requested line, in the same order."""
        references = [
            line.reference for line in lines if not line.error and line.reference
        ]
        matches = self._match(references)
        products = self._products()
        for found in matches.values():
            if len(found) == 1:
                products |= found
        free = self._free_quantities(products)
        pairs = [
            (matches[line.reference], float(line.quantity))
            for line in lines
            if not line.error
            and line.quantity is not None
            and len(matches.get(line.reference, ())) == 1
        ]
        prices = self._prices(pairs)
        return [self._resolve_line(line, matches, prices, free) for line in lines]

    def _resolve_line(self, line, matches, prices, free):
        row = self._row(line)
        if line.error:
            return self._error(row, line.error)
        if not line.reference:
            return self._error(row, "no_reference")
        if line.quantity is None or line.quantity <= 0:
            return self._error(row, "bad_quantity")
        found = matches.get(line.reference)
        if not found:
            return self._error(row, "unknown", reference=line.reference)
        if len(found) > 1:
            shown = found[:AMBIGUOUS_CODES_SHOWN]
            codes = ", ".join(p.default_code or p.barcode or p.name for p in shown)
            if len(found) > AMBIGUOUS_CODES_SHOWN:
                codes += ", …"
            return self._error(row, "ambiguous", reference=line.reference, codes=codes)
        product = found
        quantity = float(line.quantity)
        price = prices.get((product.id, quantity), 0.0)
        row.update(
            product_id=product.id,
            name=product.display_name,
            default_code=product.default_code or "",
            price_unit=price,
            subtotal=self.currency.round(price * quantity)
            if self.currency
            else price * quantity,
            lead_time=int(product.sale_delay or 0),
        )
        row.update(
            price_unit_text=format_amount(self.env, row["price_unit"], self.currency),
            subtotal_text=format_amount(self.env, row["subtotal"], self.currency),
        )
        if product.id in free:
            row["available"] = free[product.id]
        if line.quantity != line.quantity.to_integral_value():
            return self._error(row, "bad_quantity", self._message("whole_quantity"))
        tmpl = product.product_tmpl_id
        problem = check_quantity(
            line.quantity,
            minimum=str(tmpl.b2b_min_qty) if tmpl.b2b_min_qty > 0 else None,
            multiple=str(tmpl.b2b_pack_qty) if tmpl.b2b_pack_qty > 1 else None,
        )
        if problem:
            code, params = problem
            message = product._b2b_quantity_error(quantity) or self._message(
                code, **{key: _number(value) for key, value in params.items()}
            )
            return self._error(row, code, message)
        if product.id in free and float_compare(free[product.id], quantity, 3) < 0:
            available = _number(max(free[product.id], 0.0))
            if product.allow_out_of_stock_order:
                return self._error(
                    row,
                    "out_of_stock",
                    status="backorder",
                    available=available,
                    days=row["lead_time"],
                )
            return self._error(
                row,
                "out_of_stock",
                self._message("out_of_stock_refused", available=available),
            )
        return row

    # -- cart ---------------------------------------------------------------
    def add_to_cart(self, order, rows):
        """Add the ``ok`` rows, and the ``backorder`` rows marked ``keep``.

        rows are rows of ``resolve`` (only ``product_id``, ``quantity``,
        ``status`` and ``keep`` are read; callers resolve again before adding,
        never trusting a client). Returns ``{"added": [...], "refused": [...]}``,
        each item ``{"number", "product_id", "quantity", "reason"}``.
        """
        added, refused = [], []
        for row in rows:
            item = {
                "number": row.get("number"),
                "product_id": row.get("product_id"),
                "reference": row.get("reference", ""),
                "quantity": row.get("quantity", 0.0),
                "reason": "",
            }
            status = row.get("status")
            if status == "error" or (status == "backorder" and not row.get("keep")):
                item["reason"] = row.get("error") or self._message("")
                refused.append(item)
                continue
            try:
                with self.env.cr.savepoint():
                    values = order._cart_update(
                        product_id=row["product_id"], add_qty=int(row["quantity"])
                    )
            except UserError as error:
                item["reason"] = str(error.args[0]) if error.args else self._message("")
                refused.append(item)
                continue
            if not values.get("line_id"):
                item["reason"] = values.get("warning") or self._message("")
                refused.append(item)
                continue
            item["line_id"] = values["line_id"]
            item["warning"] = values.get("warning") or ""
            added.append(item)
        return {"added": added, "refused": refused}
