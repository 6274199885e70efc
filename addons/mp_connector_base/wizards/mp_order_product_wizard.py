from mphub import errors as mp_errors

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..services.stored_text import in_company_lang


class MpOrderProductWizard(models.TransientModel):
    """Fix the unknown products of an order in error from the order itself.

    Each unknown SKU is linked to a product the way the listing import binds
    a listing: an offer of the account with that seller SKU, which the order
    import looks at first. The product may be an existing one or one created
    here from what the marketplace says (title, EAN, price). The order is
    then replayed; the other orders waiting for the same SKU are replayed by
    the offer itself (see ``mp.offer.binding._replay_waiting_orders``).
    """

    _name = "mp.order.product.wizard"
    _description = "Unknown Products of a Marketplace Order"

    binding_id = fields.Many2one(
        "mp.order.binding",
        string="Marketplace Order",
        required=True,
        readonly=True,
        ondelete="cascade",
    )
    backend_id = fields.Many2one(related="binding_id.backend_id")
    company_id = fields.Many2one(related="binding_id.company_id")
    mode = fields.Selection(
        [("link", "Link to products"), ("create", "Create products")],
        default="link",
        required=True,
    )
    line_ids = fields.One2many(
        "mp.order.product.wizard.line", "wizard_id", string="Unknown Products"
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        binding = self.env["mp.order.binding"].browse(values.get("binding_id"))
        if binding and "line_ids" in fields_list:
            values["line_ids"] = [
                Command.create(vals)
                for vals in self._line_values(binding, values.get("mode") or "link")
            ]
        return values

    @api.model
    def _line_values(self, binding, mode):
        """One line per unknown SKU of ``binding``, with what its payload
        says of the product."""
        binding = binding.sudo()
        try:
            lines = binding.backend_id._map_order(binding._raw()).lines
        except mp_errors.InvalidPayload:
            lines = ()
        by_sku = {}
        for line in lines:
            by_sku.setdefault(line.sku, line)
        result = []
        for missing in binding.missing_sku_ids:
            if missing.sku in {vals["sku"] for vals in result}:
                continue
            line = by_sku.get(missing.sku)
            result.append(
                {
                    "sku": missing.sku,
                    "ean": (line.ean if line else None) or missing.ean or False,
                    "title": (line.title if line else "") or missing.sku,
                    "marketplace_product_id": (
                        line.marketplace_product_id if line else None
                    )
                    or False,
                    "price": float(line.unit_price) if line else 0.0,
                    "quantity": sum(
                        other.quantity for other in lines if other.sku == missing.sku
                    ),
                    "action": mode,
                }
            )
        return result

    def action_apply(self):
        """Link or create the products, then replay the order."""
        self.ensure_one()
        binding = self.binding_id
        binding.check_access("write")
        if not self.line_ids:
            raise UserError(self.env._("The order waits for no unknown product."))
        for line in self.line_ids:
            if line.action == "link" and not line.product_id:
                raise UserError(
                    self.env._("Choose the product sold as %s, or create it.", line.sku)
                )
        creating = self.line_ids.filtered(lambda line: line.action == "create")
        if creating and not self.env["product.product"].has_access("create"):
            raise UserError(
                self.env._(
                    "You may not create products: link the SKUs to existing "
                    "products, or ask a product manager."
                )
            )
        notes = []
        stored = in_company_lang(self, self.company_id)
        offers = self.env["mp.offer.binding"]
        for line in self.line_ids:
            if line.action == "create":
                product = line._create_product()
                notes.append(
                    stored.env._(
                        "Product %(product)s created for SKU %(sku)s.",
                        product=product.display_name,
                        sku=line.sku,
                    )
                )
            else:
                product = line.product_id
                notes.append(
                    stored.env._(
                        "SKU %(sku)s linked to product %(product)s.",
                        product=product.display_name,
                        sku=line.sku,
                    )
                )
            offers |= line._link(product)
        self.env["mp.listing.review"]._close_reviews(self.backend_id, offers)
        in_company_lang(binding, self.company_id)._message_log(
            body=stored.env._(
                "Fixed by %(user)s: %(changes)s",
                user=self.env.user.name,
                changes=" ".join(notes),
            )
        )
        return binding.action_replay()


class MpOrderProductWizardLine(models.TransientModel):
    _name = "mp.order.product.wizard.line"
    _description = "Unknown Product of a Marketplace Order"

    wizard_id = fields.Many2one(
        "mp.order.product.wizard", required=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="wizard_id.company_id")
    currency_id = fields.Many2one(related="wizard_id.binding_id.currency_id")
    sku = fields.Char(string="SKU", required=True, readonly=True)
    title = fields.Char(
        string="Product Name",
        help="The marketplace's title of the product: the name of the product "
        "to create.",
    )
    ean = fields.Char(
        string="EAN", help="Barcode of the product to create, if no product has it."
    )
    marketplace_product_id = fields.Char(string="Marketplace Product ID", readonly=True)
    price = fields.Monetary(
        string="Price on the Order",
        help="The unit price the customer paid: the sales price of the product "
        "to create.",
    )
    quantity = fields.Integer(string="Ordered", readonly=True)
    action = fields.Selection(
        [("link", "Link to a product"), ("create", "Create a product")],
        required=True,
        default="link",
    )
    product_id = fields.Many2one(
        "product.product",
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]",
        help="The product the marketplace sells under this SKU.",
    )

    def _link(self, product):
        """The account's offer binding this SKU to ``product`` (created or
        repointed), as the listing import would bind it."""
        self.ensure_one()
        backend = self.wizard_id.backend_id
        offers = self.env["mp.offer.binding"].with_context(active_test=False)
        offer = offers.search(
            [("backend_id", "=", backend.id), ("seller_sku", "=", self.sku)], limit=1
        )
        if offer:
            vals = {"product_id": product.id, "active": True}
            if self.ean and not offer.ean:
                vals["ean"] = self.ean
            offer.write(vals)
            return offer
        return offers.create(
            {
                "backend_id": backend.id,
                "product_id": product.id,
                "seller_sku": self.sku,
                "ean": self.ean or False,
                "marketplace_product_id": self.marketplace_product_id or False,
                "title": self.title or False,
            }
        )

    def _create_product(self):
        """A product with the SKU as internal reference, the marketplace's
        title, EAN and price."""
        self.ensure_one()
        products = self.env["product.product"]
        barcode = self.ean or False
        if barcode and products.with_context(active_test=False).search_count(
            [("barcode", "=", barcode)], limit=1
        ):
            barcode = False  # the barcode is unique: the offer keeps the EAN
        return products.create(
            {
                "name": self.title or self.sku,
                "default_code": self.sku,
                "barcode": barcode,
                "list_price": self.price or 0.0,
                "type": "consu",
                "is_storable": True,
                "company_id": self.company_id.id,
            }
        )
