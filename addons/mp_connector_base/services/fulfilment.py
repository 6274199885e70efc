"""Orders the marketplace fulfils from its own stock (Amazon FBA, Cdiscount
Fulfilment): they leave a warehouse standing for that stock, created for the
account on first use, and are delivered at once, with nothing to ship nor to
declare.

A connector keeps the warehouse in a Many2one field of its own on
``mp.backend`` and gives this service the field's name; its order binding
sets the warehouse on the sale orders of such orders
(``MarketplaceFulfilment.warehouse``) and records them delivered once
created (``MarketplaceFulfilment.deliver``).
"""

import itertools

from odoo.tools import SQL

BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# the context key of deliveries recorded after the marketplace shipped them
FULFILLED_CONTEXT = "mp_fulfilled_by_marketplace"
CODE_LENGTH = 5  # stock.warehouse's short name holds 5 characters


def _base36(number):
    digits = ""
    while True:
        number, digit = divmod(number, 36)
        digits = BASE36[digit] + digits
        if not number:
            return digits


def warehouse_code(prefix, account_id, taken=()):
    """A warehouse short name (5 characters at most) for the stock account
    ``account_id`` has at the marketplace, none of ``taken``:
    ``<prefix><id>`` while it fits, else ``<first letter of prefix><id in
    base 36>`` (distinct for every id up to 1.6 million), else the first
    free ``<letter><n in base 36>``."""
    letter = prefix[:1]
    candidates = itertools.chain(
        (f"{prefix}{account_id}", f"{letter}{_base36(account_id)}"),
        (f"{letter}{_base36(number)}" for number in itertools.count(1)),
    )
    return next(
        code for code in candidates if len(code) <= CODE_LENGTH and code not in taken
    )


class MarketplaceFulfilment:
    """The marketplace-held stock of one account (``backend``), kept in its
    Many2one ``field`` to ``stock.warehouse``; ``code_prefix`` starts the
    warehouse's short name ("FBA")."""

    def __init__(self, backend, field, code_prefix):
        backend.ensure_one()
        self.backend = backend
        self.env = backend.env
        self.field = field
        self.code_prefix = code_prefix

    def warehouse(self, name, note):
        """The account's warehouse, created with ``name`` on first use and
        told in the account's chatter (``note(warehouse)``: the message).
        One transaction at a time creates it: the account's row is locked
        while checking."""
        backend = self.backend
        if backend[self.field]:
            return backend[self.field]
        self.env.cr.execute(
            SQL("SELECT id FROM mp_backend WHERE id = %s FOR UPDATE", backend.id)
        )
        backend.invalidate_recordset([self.field])
        if backend[self.field]:
            return backend[self.field]
        warehouses = self._warehouses()
        if warehouses.search_count(
            [("company_id", "=", backend.company_id.id), ("name", "=", name)]
        ):
            name = f"{name} #{backend.id}"
        warehouse = warehouses.create(
            {
                "name": name,
                "code": self.free_code(),
                "company_id": backend.company_id.id,
            }
        )
        backend[self.field] = warehouse
        backend.message_post(body=note(warehouse))
        return warehouse

    def free_code(self):
        """The short name of the account's warehouse, one no warehouse of
        the company has (``warehouse_code``)."""
        taken = self._warehouses().search(
            [("company_id", "=", self.backend.company_id.id)]
        )
        return warehouse_code(
            self.code_prefix, self.backend.id, set(taken.mapped("code"))
        )

    def _warehouses(self):
        return self.env["stock.warehouse"].sudo().with_context(active_test=False)

    def deliver(self, binding, sale_order, note):
        """Record ``sale_order`` (of ``binding``) as delivered: the
        marketplace shipped it from its own stock and told the buyer, there
        is nothing to ship nor to declare. ``note`` goes to its chatter."""
        binding.ship_state = "done"
        pickings = sale_order.picking_ids.filtered(
            lambda p: p.state not in ("done", "cancel")
        )
        if not pickings:
            return
        for move in pickings.move_ids.filtered(
            lambda m: m.state not in ("done", "cancel")
        ):
            move.quantity = move.product_uom_qty
            move.picked = True
        pickings.with_context(
            skip_backorder=True,
            cancel_backorder=True,
            mail_notrack=True,
            skip_sms=True,
            **{FULFILLED_CONTEXT: True},
        )._action_done()
        sale_order._message_log(body=note)
