"""The quick order page and its JSON routes.

``GET /my/quick-order`` shows the page to users who may order
(``res.users._b2b_can_order``); the JSON routes resolve a pasted text
(``/b2b/quick-order/preview``), an uploaded CSV/XLSX file
(``/b2b/quick-order/upload``, multipart with Odoo's CSRF token), suggest
products for a reference being typed (``/b2b/quick-order/lookup``) and add
rows to the website cart (``/b2b/quick-order/add``, which resolves the rows
again: a client's prices or statuses are never trusted).

Preview and upload are rate-limited per user (``RATE_LIMIT`` calls per
``RATE_PERIOD`` seconds each) through ``controllers/throttle.py``: in memory,
per worker process, so with several workers a user may get up to that many
calls per worker. Enough for this slice; a shared bucket (as
``mp_rate_bucket``) would be the next step.
"""

from decimal import Decimal, InvalidOperation

from mphub.b2b.quick_order import (
    MAX_LINES,
    MAX_UPLOAD_BYTES,
    RequestedLine,
    UploadError,
    parse_file,
    parse_text,
)

from odoo import http
from odoo.exceptions import AccessError
from odoo.http import request

from ..services.quick_order import QuickOrder
from .throttle import check_rate, get_limiter

RATE_LIMIT = 30
RATE_PERIOD = 60.0
#: Suggestions returned by the lookup, at most.
LOOKUP_LIMIT = 10
#: Accepted upload types, for the file input's ``accept`` attribute.
UPLOAD_ACCEPT = ".csv,.txt,.xlsx,text/csv,text/plain,"
UPLOAD_ACCEPT += "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


#: The process-wide limiter behind preview and upload (tests clear it).
rate_limiter = get_limiter(RATE_LIMIT, RATE_PERIOD)


class QuickOrderController(http.Controller):
    # -- helpers ------------------------------------------------------------
    def _quick_order_service(self):
        website = request.website
        return QuickOrder(
            request.env, website, request.env.user.partner_id, website.pricelist_id
        )

    def _check_can_order(self):
        if not request.env.user._b2b_can_order():
            raise AccessError(request.env._("Your account may not place orders."))

    def _rate_limited(self, action):
        return check_rate(f"quick_order_{action}", RATE_LIMIT, RATE_PERIOD) or ""

    def _upload_message(self, error):
        _ = request.env._
        messages = {
            "too_large": _(
                "The file is too large: at most %(size)s MB.",
                size=MAX_UPLOAD_BYTES // (1024 * 1024),
            ),
            "bad_type": _(
                "Unsupported file type: upload a CSV or an XLSX (Excel) file."
            ),
            "unreadable": _(
                "The file cannot be read: check it is a valid CSV or XLSX file."
            ),
            "empty": _("The file holds no line to order."),
        }
        return messages.get(error.code) or _("The file cannot be read.")

    # -- page ---------------------------------------------------------------
    @http.route(
        "/my/quick-order", type="http", auth="user", website=True, methods=["GET"]
    )
    def quick_order_page(self, **kwargs):
        if not request.env.user._b2b_can_order():
            return request.render(
                "b2b_portal.quick_order_refused",
                {"page_name": "quick_order"},
                status=403,
            )
        values = {
            "page_name": "quick_order",
            "upload_accept": UPLOAD_ACCEPT,
            "max_lines": MAX_LINES,
            "max_upload_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
        }
        return request.render("b2b_portal.quick_order_page", values)

    # -- JSON ---------------------------------------------------------------
    @http.route("/b2b/quick-order/lookup", type="json", auth="user", website=True)
    def quick_order_lookup(self, term="", **kwargs):
        self._check_can_order()
        return self._quick_order_service().suggest(str(term or ""), limit=LOOKUP_LIMIT)

    @http.route("/b2b/quick-order/preview", type="json", auth="user", website=True)
    def quick_order_preview(self, text="", **kwargs):
        self._check_can_order()
        error = self._rate_limited("preview")
        if error:
            return {"rows": [], "error": error}
        lines = parse_text(str(text or ""))
        return {"rows": self._quick_order_service().resolve(lines), "error": ""}

    @http.route(
        "/b2b/quick-order/upload",
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def quick_order_upload(self, file=None, **kwargs):
        self._check_can_order()
        error = self._rate_limited("upload")
        if error:
            return request.make_json_response({"rows": [], "error": error}, status=429)
        if not file or not getattr(file, "filename", None):
            return request.make_json_response(
                {"rows": [], "error": request.env._("Choose a file to upload.")},
                status=400,
            )
        # Never read more than one byte past the limit: parse_file refuses it.
        content = file.read(MAX_UPLOAD_BYTES + 1)
        try:
            lines = parse_file(file.filename, content)
        except UploadError as upload_error:
            return request.make_json_response(
                {"rows": [], "error": self._upload_message(upload_error)}, status=400
            )
        rows = self._quick_order_service().resolve(lines)
        return request.make_json_response({"rows": rows, "error": ""})

    @http.route("/b2b/quick-order/add", type="json", auth="user", website=True)
    def quick_order_add(self, rows=None, **kwargs):
        self._check_can_order()
        lines, keep = [], set()
        if not isinstance(rows, list):
            rows = []
        for index, row in enumerate(rows[:MAX_LINES], start=1):
            if not isinstance(row, dict):
                continue
            number = row.get("number") if isinstance(row.get("number"), int) else index
            try:
                quantity = Decimal(str(row.get("quantity")))
            except (InvalidOperation, ValueError):
                quantity = None
            if quantity is not None and not quantity.is_finite():
                quantity = None
            reference = str(row.get("reference") or "").strip()
            lines.append(
                RequestedLine(
                    number=number,
                    reference=reference,
                    quantity=quantity,
                    error=None if quantity is not None else "bad_quantity",
                    raw=reference[:200],
                )
            )
            if row.get("keep"):
                keep.add(number)
        service = self._quick_order_service()
        resolved = service.resolve(lines)
        for row in resolved:
            row["keep"] = row["number"] in keep
        order = request.website.sale_get_order(force_create=True)
        if order.state != "draft":
            request.website.sale_reset()
            order = request.website.sale_get_order(force_create=True)
        result = service.add_to_cart(order, resolved)
        request.session["website_sale_cart_quantity"] = order.cart_quantity
        result.update(
            cart_count=len(order.website_order_line),
            cart_quantity=order.cart_quantity,
            cart_url="/shop/cart",
        )
        return result
