"""The product a marketplace sells under a seller SKU: one rule for the
order import and the listing import alike.

The rule, step by step; the first step that finds a product decides, even
when it finds several (then the match is ambiguous and a person chooses):

1. an active offer of the account (``mp.offer.binding``) with the SKU as
   its seller SKU: the link a person or the listing import made wins;
2. a product whose internal reference (``default_code``) is the SKU;
3. a product whose barcode is one of the EANs the marketplace gives (an
   order line gives one, a listing may give several);
4. the product of an offer of the account with the same marketplace product
   id (Mirakl product SKU, ASIN...): another offer of the same product.

Only active products are found, of the account's company or of no company
(steps 2 and 3 search them so; the offers of steps 1 and 4 belong to the
account, whose company their products share). The lookups are batched: one
query per step for a whole batch of lines or listings, whatever its size,
and what a resolver found is kept for the SKUs it is asked again (the orders
of one processing job often share products).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ProductKey:
    """What identifies the product of an order line or a listing."""

    sku: str
    eans: tuple = ()
    marketplace_product_id: str | None = None

    @classmethod
    def of_line(cls, line):
        """The key of an ``mphub.canonical.OrderLine``."""
        return cls(
            line.sku, (line.ean,) if line.ean else (), line.marketplace_product_id
        )

    @classmethod
    def of_listing(cls, listing):
        """The key of an ``mphub.offers.Listing``."""
        return cls(listing.sku, tuple(listing.eans), listing.marketplace_product_id)


class ProductResolver:
    """Finds the products of SKUs for one marketplace account.

    ``candidates(keys)`` returns ``{sku: product.product recordset}``: one
    product is a match, none an unknown product, several an ambiguous one.
    A key is asked once per resolver: later keys of a known SKU get the
    first answer.
    """

    def __init__(self, backend):
        self.backend = backend
        self.env = backend.env
        self.company = backend.company_id
        self._found = {}  # sku -> product.product recordset

    def candidates(self, keys):
        keys = list(keys)
        todo = {}
        for key in keys:
            if key.sku not in self._found:
                todo.setdefault(key.sku, key)
        if todo:
            self._resolve(list(todo.values()))
        return {key.sku: self._found[key.sku] for key in keys}

    # -- the steps ------------------------------------------------------------
    def _resolve(self, keys):
        empty = self.env["product.product"]
        found = {key.sku: empty for key in keys}
        steps = (self._by_offer_sku, self._by_reference, self._by_ean, self._by_mp_id)
        for step in steps:
            todo = [key for key in keys if not found[key.sku]]
            if not todo:
                break
            for sku, products in step(todo).items():
                found[sku] = products
        self._found.update(found)

    def _offers(self, field, values):
        return self.env["mp.offer.binding"].search(
            [("backend_id", "=", self.backend.id), (field, "in", list(values))]
        )

    def _products(self, field, values):
        return self.env["product.product"].search(
            [
                (field, "in", list(values)),
                ("company_id", "in", [False, self.company.id]),
            ]
        )

    def _by_offer_sku(self, keys):
        by_sku = {}
        for offer in self._offers("seller_sku", {key.sku for key in keys}):
            if offer.product_id.active:
                by_sku[offer.seller_sku] = offer.product_id
        return by_sku

    def _by_reference(self, keys):
        by_code = {}
        for product in self._products("default_code", {key.sku for key in keys}):
            by_code[product.default_code] = (
                by_code.get(product.default_code, product.browse()) | product
            )
        return {key.sku: by_code[key.sku] for key in keys if key.sku in by_code}

    def _by_ean(self, keys):
        eans = {ean for key in keys for ean in key.eans if ean}
        if not eans:
            return {}
        by_ean = {
            product.barcode: product for product in self._products("barcode", eans)
        }
        result = {}
        for key in keys:
            products = self.env["product.product"]
            for ean in key.eans:
                products |= by_ean.get(ean, products.browse())
            if products:
                result[key.sku] = products
        return result

    def _by_mp_id(self, keys):
        ids = {key.marketplace_product_id for key in keys if key.marketplace_product_id}
        if not ids:
            return {}
        by_id = {}
        for offer in self._offers("marketplace_product_id", ids):
            if offer.product_id.active:
                by_id[offer.marketplace_product_id] = (
                    by_id.get(offer.marketplace_product_id, offer.product_id.browse())
                    | offer.product_id
                )
        return {
            key.sku: by_id[key.marketplace_product_id]
            for key in keys
            if key.marketplace_product_id in by_id
        }
