from datetime import timedelta
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

ORDERS_DAYS = 90
ZERO = Decimal(0)
HUNDRED = Decimal(100)


class MpRepricingCommission(models.Model):
    _name = "mp.repricing.commission"
    _description = "Marketplace Commission"
    _order = "backend_id, categ_id, id"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company",
        related="backend_id.company_id",
        store=True,
        index=True,
        precompute=True,
    )
    backend_id = fields.Many2one(
        "mp.backend",
        string="Account",
        required=True,
        ondelete="cascade",
        index=True,
        check_company=True,
        help="The marketplace account whose commission this is.",
    )
    categ_id = fields.Many2one(
        "product.category",
        string="Product Category",
        ondelete="cascade",
        help="The products of this category and of its subcategories (unless "
        "they have a line of their own). Empty: every category.",
    )
    commission_percent = fields.Float(
        string="Commission (%)",
        help="The marketplace's commission in percent of the tax-included price.",
    )
    commission_fixed = fields.Float(
        string="Fixed Commission",
        digits="Product Price",
        help="A fixed commission per unit sold.",
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "backend_categ_unique",
            "UNIQUE NULLS NOT DISTINCT (backend_id, categ_id)",
            "An account has one commission per product category.",
        ),
    ]

    @api.constrains("commission_percent", "commission_fixed")
    def _check_commission(self):
        for line in self:
            if not 0 <= line.commission_percent <= 100:
                raise ValidationError(
                    self.env._("A commission is between 0 and 100 percent.")
                )
            if line.commission_fixed < 0:
                raise ValidationError(
                    self.env._("A fixed commission cannot be negative.")
                )

    @api.depends("backend_id", "categ_id")
    def _compute_display_name(self):
        for line in self:
            categ = line.categ_id.display_name or self.env._("Every category")
            line.display_name = f"{line.backend_id.display_name} / {categ}"

    # ------------------------------------------------------------- business

    @api.model
    def _demo_commission_lines(self, percent):
        """Demo data: a line without category at ``percent`` for every
        account of the company that has none."""
        backends = self.env["mp.backend"].search(
            [("company_id", "=", self.env.company.id)]
        )
        covered = self.with_context(active_test=False).search(
            [("backend_id", "in", backends.ids), ("categ_id", "=", False)]
        )
        missing = backends - covered.backend_id
        return self.create(
            [
                {"backend_id": backend.id, "commission_percent": percent}
                for backend in missing
            ]
        )

    def _orders_rate(self, backend):
        """What the account's confirmed orders of the last 90 days paid in
        commission, as a fraction of their total, or None."""
        since = fields.Datetime.now() - timedelta(days=ORDERS_DAYS)
        self.env["sale.order"].flush_model(
            ["mp_backend_id", "mp_commission_amount", "amount_total", "state"]
        )
        self.env.cr.execute(
            SQL(
                "SELECT sum(mp_commission_amount), sum(amount_total) "
                "FROM sale_order WHERE mp_backend_id = %s AND state = 'sale' "
                "AND mp_commission_amount > 0 AND date_order >= %s",
                backend.id,
                since,
            )
        )
        commission, total = self.env.cr.fetchone()
        if not commission or not total:
            return None
        return (Decimal(str(commission)) / Decimal(str(total))).quantize(
            Decimal("0.000001")
        )

    def _commission_for(self, backend, products):
        """``{product id: (rate, fixed, source)}`` for ``products`` on
        ``backend``: the rate a fraction of the tax-included price (Decimal),
        the fixed commission per unit (Decimal) and where it comes from:
        "table" (the line of the most specific category up the parent chain,
        else the account's line without category), "orders" (what the
        account's orders of the last 90 days paid) or "none" (rate 0)."""
        backend.ensure_one()
        lines = self.sudo().search(
            [("backend_id", "=", backend.id), ("active", "=", True)]
        )
        by_categ = {line.categ_id.id or False: line for line in lines}
        orders = ...  # computed once, when a product needs it
        result = {}
        for product in products:
            line = None
            categ = product.categ_id
            while categ and line is None:
                line = by_categ.get(categ.id)
                categ = categ.parent_id
            if line is None:
                line = by_categ.get(False)
            if line is not None:
                result[product.id] = (
                    Decimal(str(line.commission_percent)) / HUNDRED,
                    Decimal(str(line.commission_fixed)),
                    "table",
                )
                continue
            if orders is ...:
                orders = self._orders_rate(backend)
            if orders is not None:
                result[product.id] = (orders, ZERO, "orders")
            else:
                result[product.id] = (ZERO, ZERO, "none")
        return result
