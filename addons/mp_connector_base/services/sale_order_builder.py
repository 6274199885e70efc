"""The sale order of a marketplace order: prepare, create, finish, update.

``prepare`` checks a mapped order and builds its sale order values in the
order's savepoint (products, buyer and addresses, fiscal position, taxes,
the core's plan of lines, the acceptance decision); nothing is created but
the buyer's partners. ``create_orders`` then creates and confirms the
prepared sale orders of a batch with batched ORM calls, and, should the
batch fail, creates them one by one to isolate the culprit. ``finish_sale_order`` links
a created sale order to its binding; ``update`` applies a later state of an
order already imported (cancelled, accepted, shipped on the marketplace).
"""

import logging
from dataclasses import dataclass

from mphub.canonical import OrderStatus
from mphub.orders import acceptance_decisions, plan_sale_order

from odoo import Command
from odoo.tools import float_compare

from ..models.mp_backend import LOCK_ERRORS
from .order_activities import close_error_activity, schedule_decision_activity
from .order_errors import TRANSIENT_DB_ERRORS, OrderError
from .order_store import naive
from .partner_resolver import PartnerResolver
from .product_resolver import ProductKey, ProductResolver
from .status_export import DECISION_ACTIVITY, StatusExport, cancel_sale_order
from .tax_resolver import TaxNotFound, TaxResolver

_logger = logging.getLogger(__name__)


@dataclass
class PreparedOrder:
    """An order checked and ready to become a sale order."""

    binding: object
    order: object  # mphub.canonical.Order
    plan: object  # mphub.orders.SalePlan
    vals: dict  # binding values to write once the sale order exists
    decisions: dict | None  # acceptance to send, None when staff decide
    sale_vals: dict
    state_label: str = ""  # the marketplace state, as people know it


class SaleOrderBuilder:
    """Builds the sale orders of one processing job of an account; caches
    what the orders of the job share (products, taxes, the stock the job's
    acceptances claim)."""

    def __init__(self, backend, store):
        self.backend = backend
        self.env = backend.env
        self.store = store  # the OrderStore of the job (state labels)
        self.products = ProductResolver(backend)
        self.partners = PartnerResolver(backend)
        self.taxes = TaxResolver(backend)
        self.claimed = {}  # SKU -> quantity accepted earlier in this batch
        self._utm = None

    # -- prepare ----------------------------------------------------------------
    def prepare(self, binding, order, vals):
        """Check the order and build its sale order values (nothing created
        but the buyer's partners); ``OrderError`` when it cannot be sold."""
        active = [line for line in order.lines if line.active]
        if not active:
            raise OrderError("data", self.env._("The order has no line left to sell."))
        products = self.products_for(active)
        self.check_currency(order.currency)
        partner, invoice, shipping = self.partners.partners_for(order.customer)
        fiscal_position = self.taxes.fiscal_position(partner, shipping)
        tax_of = self.taxes.for_order(
            order, products, fiscal_position, shipping.country_id or partner.country_id
        )
        try:
            plan = plan_sale_order(order, tax_of=tax_of)
        except TaxNotFound as err:
            raise OrderError("config", str(err)) from err
        lines = self.order_lines(order, plan, products)
        decisions = None
        if order.status == OrderStatus.WAITING_ACCEPTANCE:
            decisions = self.acceptance(order, products)
        sale_vals = {
            "partner_id": partner.id,
            "partner_invoice_id": invoice.id,
            "partner_shipping_id": shipping.id,
            "company_id": self.backend.company_id.id,
            "warehouse_id": self.backend.warehouse_id.id,
            "user_id": self.backend.user_id.id or False,
            "pricelist_id": self.backend.pricelist_id.id or False,
            "fiscal_position_id": fiscal_position.id or False,
            "client_order_ref": order.reference or order.external_id,
            "origin": f"{self.backend.name} {order.external_id}",
            "date_order": naive(order.created_at),
            "mp_commission_amount": float(plan.commission or 0),
            "mp_delivery_instructions": self.delivery_instructions(order),
            "order_line": lines,
        }
        if self.backend.team_id:
            # else Odoo's default team, as for any sale order
            sale_vals["team_id"] = self.backend.team_id.id
        return PreparedOrder(
            binding=binding,
            order=order,
            plan=plan,
            vals=vals,
            decisions=decisions,
            state_label=self.store.state_label(order.marketplace_status),
            sale_vals=sale_vals,
        )

    def products_for(self, lines):
        """The product of each line's SKU (see ``ProductResolver``), or
        ``OrderError`` naming the unknown or ambiguous SKUs."""
        found = self.products.candidates(ProductKey.of_line(line) for line in lines)
        for sku, products in found.items():
            if len(products) > 1:
                raise OrderError(
                    "product",
                    self.env._(
                        "SKU %(sku)s matches several products (%(names)s): "
                        "link it to the right one.",
                        sku=sku,
                        names=", ".join(products.mapped("display_name")),
                    ),
                    missing=[(sku, False)],
                )
        missing = [(line.sku, line.ean) for line in lines if not found[line.sku]]
        if missing:
            raise OrderError(
                "product",
                self.env._(
                    "No product matches the SKU(s) %(skus)s. Link them to your "
                    "products or create the products: the order is then imported "
                    "by itself.",
                    skus=", ".join(sorted({sku for sku, _ean in missing})),
                ),
                missing=missing,
            )
        return found

    def check_currency(self, code):
        expected = self.backend.currency_id
        if expected.name != code:
            raise OrderError(
                "config",
                self.env._(
                    "The order is in %(order)s but %(backend)s works in "
                    "%(backend_cur)s: set a pricelist in %(order)s on the account.",
                    order=code,
                    backend=self.backend.name,
                    backend_cur=expected.name,
                ),
            )
        return expected

    def order_lines(self, order, plan, products):
        """The sale order lines of the plan: products, shipping per tax,
        promotions and gift wrapping (with the account's products)."""
        backend = self.backend
        lines = [
            self._line(
                products[line.sku],
                line,
                quantity=line.quantity,
                mp_line_external_id=line.external_id,
            )
            for line in plan.product_lines
        ]
        shipping = self.env._("Shipping (%s)", order.shipping_method or backend.name)
        lines += [
            self._line(
                backend.shipping_product_id, line, name=shipping, is_delivery=True
            )
            for line in plan.shipping_lines
        ]
        messages = "; ".join(
            line.gift_message for line in order.lines if line.gift_message
        )
        extras = (
            (
                plan.discount_lines,
                backend.discount_product_id,
                self.env._("Promotion (%s)", backend.name),
                self.env._(
                    "The order has promotions but account %s has no promotion "
                    "product: set one in its settings.",
                    backend.name,
                ),
            ),
            (
                plan.gift_wrap_lines,
                backend.gift_wrap_product_id,
                self.env._("Gift wrapping: %s", messages)
                if messages
                else self.env._("Gift wrapping"),
                self.env._(
                    "The order has gift wrapping but account %s has no gift "
                    "wrapping product: set one in its settings.",
                    backend.name,
                ),
            ),
        )
        for plan_lines, product, name, missing in extras:
            if plan_lines and not product:
                # the order waits in error until staff set the product
                raise OrderError("config", missing)
            lines += [self._line(product, line, name=name) for line in plan_lines]
        return lines

    @staticmethod
    def _line(product, line, quantity=1, **vals):
        return Command.create(
            {
                "product_id": product.id,
                "product_uom_qty": quantity,
                "price_unit": float(line.price_unit),
                "discount": 0.0,
                "tax_id": [Command.set(list(line.tax_key))],
                **vals,
            }
        )

    def delivery_instructions(self, order):
        """What the buyer said about the delivery, as one text: the
        address's additional information (door code, floor...), the order's
        delivery instructions and a business address's type."""
        address = order.customer.shipping_address
        parts = [address.additional_info, order.delivery_instructions]
        if address.address_type == "commercial":
            parts.append(self.env._("Business address (delivery during opening hours)"))
        text = "\n".join(part.strip() for part in parts if part and part.strip())
        return text or False

    def acceptance(self, order, products):
        """The acceptance decision of each line (``mphub.orders``), None
        when staff decide; the stock a decision accepts is claimed for the
        rest of the batch."""
        mode = self.backend.accept_mode
        if mode == "manual":
            return None
        if mode == "always":
            return {line.external_id: True for line in order.lines}
        warehouse = self.backend.warehouse_id
        available = {}
        for sku, product in products.items():
            product = product.with_context(warehouse_id=warehouse.id)
            product.invalidate_recordset(["free_qty"])
            # orders accepted earlier in this batch are not reserved yet
            available[sku] = product.free_qty - self.claimed.get(sku, 0)
        decisions = acceptance_decisions(order, available)
        if decisions:
            for line in order.lines:
                self.claimed[line.sku] = self.claimed.get(line.sku, 0) + line.quantity
        return decisions

    # -- create -----------------------------------------------------------------
    def utm_vals(self):
        """Source (the account) and medium (Marketplace) of the sale orders,
        so that sales reports split them by channel.

        The source is the account's, created with it (``_ensure_utm_source``):
        never here, where two workers processing orders of the same account
        would create it twice.
        """
        if self._utm is None:
            medium = self.env.ref(
                "mp_connector_base.utm_medium_marketplace", raise_if_not_found=False
            )
            self._utm = {
                "source_id": self.backend.sudo().utm_source_id.id,
                "medium_id": medium.id or False,
            }
        return self._utm

    def create_orders(self, prepared, run):
        """Create and confirm the prepared sale orders; return outcomes."""
        try:
            with self.env.cr.savepoint():
                utm = self.utm_vals()
        except TRANSIENT_DB_ERRORS:
            # another worker creates the account's source: all of them later
            return {item.binding: "busy" for item in prepared}
        try:
            self._create_batch(prepared, utm)
            return {item.binding: "done" for item in prepared}
        except LOCK_ERRORS:
            # stock or rows another worker changed: all of them later
            return {item.binding: "busy" for item in prepared}
        except Exception:  # noqa: BLE001 (isolate the order at fault below)
            _logger.info("Batch of sale orders failed; creating them one by one")
        outcomes = {}
        for item in prepared:
            try:
                self._create_batch([item], utm)
                outcomes[item.binding] = "done"
            except LOCK_ERRORS:
                outcomes[item.binding] = "busy"
            except Exception as err:  # noqa: BLE001 (each order is isolated)
                outcomes[item.binding] = item.binding._fail_processing(err, run)
        return outcomes

    def _create_batch(self, prepared, utm):
        sale_orders = self.env["sale.order"].with_context(
            tracking_disable=True,
            mail_create_nolog=True,
            mail_create_nosubscribe=True,
            mp_keep_date_order=True,
        )
        with self.env.cr.savepoint():
            orders = sale_orders.create([{**utm, **p.sale_vals} for p in prepared])
            if self.backend.auto_confirm:
                orders.action_confirm()
            for item, order in zip(prepared, orders, strict=True):
                item.binding._finish_sale_order(item, order)

    # -- update -----------------------------------------------------------------
    def update(self, binding, order, vals):
        """Apply a later state of an order already imported to its sale
        order and to ``vals``, the binding's values to write."""
        sale_order = binding.sale_order_id
        if order.status in OrderStatus.DEAD and sale_order.state != "cancel":
            self._cancel(binding, order, sale_order, vals)
        elif order.status not in (
            OrderStatus.PENDING,
            OrderStatus.WAITING_ACCEPTANCE,
            *OrderStatus.DEAD,
        ) and binding.accept_state in ("to_decide", "pending", "error"):
            # accepted on the marketplace (by us or by staff there)
            vals["accept_state"] = "accepted"
            vals["accept_error"] = False
            binding.activity_unlink([DECISION_ACTIVITY])
        if (
            order.status in OrderStatus.SHIPPED_OR_LATER
            and binding.ship_state != "done"
        ):
            vals["ship_state"] = "done"
            vals["ship_error"] = False

    def _cancel(self, binding, order, sale_order, vals):
        """The marketplace cancelled (or refused) an imported order."""
        state = self.store.state_label(order.marketplace_status)
        done = sale_order.picking_ids.filtered(
            lambda p: p.state == "done" and p.picking_type_code == "outgoing"
        )
        if done:
            raise OrderError(
                "other",
                self.env._(
                    "The order is in state “%(state)s” on the marketplace "
                    "but %(pickings)s already left the warehouse: handle the "
                    "return by hand.",
                    state=state,
                    pickings=", ".join(done.mapped("name")),
                ),
            )
        cancel_sale_order(
            sale_order,
            self.env._(
                "Cancelled because the order is in state “%(state)s” on the "
                "marketplace.",
                state=state,
            ),
        )
        if binding.accept_state == "to_decide":
            vals["accept_state"] = (
                "refused" if order.status == OrderStatus.REFUSED else "none"
            )
            binding.activity_unlink([DECISION_ACTIVITY])


def finish_sale_order(binding, item, sale_order):
    """Bind the sale order created for ``item`` (a ``PreparedOrder``) to
    its binding: state done, the total checked against the marketplace's,
    the acceptance queued or left to staff."""
    env = binding.env
    backend = binding.backend_id
    vals = dict(item.vals, state="done")
    binding.sale_order_id = sale_order
    mismatch = (
        float_compare(
            sale_order.amount_total,
            float(item.plan.expected_total),
            precision_rounding=sale_order.currency_id.rounding,
        )
        != 0
    )
    vals["amount_mismatch"] = mismatch
    if mismatch:
        backend._log_event(
            "warning",
            env._(
                "Order %(order)s: the sale order total %(odoo)s differs from "
                "the marketplace total %(marketplace)s.",
                order=item.order.external_id,
                odoo=sale_order.amount_total,
                marketplace=item.plan.expected_total,
            ),
            binding=binding,
        )
    sale_order._message_log(
        body=env._(
            "Imported from %(backend)s, marketplace order %(order)s (%(state)s).",
            backend=backend.name,
            order=item.order.external_id,
            state=item.state_label or item.order.marketplace_status,
        )
    )
    close_error_activity(binding, env._("Imported as sale order %s.", sale_order.name))
    if item.order.status == OrderStatus.WAITING_ACCEPTANCE:
        if item.decisions:
            StatusExport(binding).queue_acceptance(item.decisions)
        else:
            vals["accept_state"] = "to_decide"
            schedule_decision_activity(binding, item.order)
    binding.with_context(tracking_disable=True).write(vals)
