from decimal import Decimal

from mphub.b2b.quick_order import check_quantity

from odoo import models


def _to_decimal(value):
    """Exact decimal of a float field value (0.1 -> Decimal("0.1"))."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _format_number(value):
    """Format a quantity without useless decimals (10.0 -> "10", 2.5 -> "2.5")."""
    text = f"{_to_decimal(value):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


class ProductProduct(models.Model):
    _inherit = "product.product"

    def _b2b_quantity_error(self, quantity):
        """Return None when quantity is allowed, else a translated message."""
        self.ensure_one()
        tmpl = self.product_tmpl_id
        minimum = _to_decimal(tmpl.b2b_min_qty) if tmpl.b2b_min_qty > 0 else None
        multiple = _to_decimal(tmpl.b2b_pack_qty) if tmpl.b2b_pack_qty > 1 else None
        result = check_quantity(
            _to_decimal(quantity), minimum=minimum, multiple=multiple
        )
        if not result:
            return None
        code, _params = result
        name = self.display_name
        if code == "below_minimum":
            return self.env._(
                "The minimum order quantity of %(product)s is %(minimum)s.",
                product=name,
                minimum=_format_number(minimum),
            )
        pack = _format_number(multiple)
        examples = ", ".join(_format_number(multiple * i) for i in range(1, 4))
        return self.env._(
            "%(product)s is sold by packs of %(pack)s: order %(examples)s...",
            product=name,
            pack=pack,
            examples=examples,
        )
