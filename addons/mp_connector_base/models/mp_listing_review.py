import hashlib
import json
from decimal import Decimal

from mphub.offers import Listing

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..services.product_resolver import ProductKey, ProductResolver
from ..services.stored_text import in_company_lang

CENT = Decimal("0.01")


class MpListingReview(models.Model):
    """A marketplace listing no product could be matched to.

    The listing import binds listings to products by seller SKU, then EAN,
    then marketplace product id; what matches nothing, or several products,
    lands here, where a user links it to a product, creates the product, or
    ignores it.
    """

    _name = "mp.listing.review"
    _description = "Marketplace Listing to Review"
    _inherit = ["mp.account.mixin", "mail.thread"]
    _order = "state, backend_id, seller_sku, id"
    _rec_name = "seller_sku"
    _check_company_auto = True

    currency_id = fields.Many2one(related="backend_id.currency_id")
    key = fields.Char(required=True, readonly=True)
    seller_sku = fields.Char(string="Seller SKU", readonly=True)
    eans = fields.Char(string="EANs", readonly=True)
    marketplace_product_id = fields.Char(string="Marketplace Product ID", readonly=True)
    external_id = fields.Char(string="Marketplace Offer ID", readonly=True)
    title = fields.Char(readonly=True)
    condition = fields.Char(string="Condition Code", readonly=True)
    condition_label = fields.Char(
        string="Condition", compute="_compute_condition_label"
    )
    quantity = fields.Integer(
        string="Marketplace Quantity", readonly=True, aggregator="max"
    )
    price = fields.Monetary(
        string="Marketplace Price",
        currency_field="currency_id",
        readonly=True,
        aggregator="avg",
    )
    reason = fields.Selection(
        [
            ("unknown", "No Matching Product"),
            ("ambiguous", "Several Matching Products"),
            ("invalid", "Unreadable Listing"),
        ],
        required=True,
        readonly=True,
    )
    message = fields.Text(string="Details", readonly=True)
    candidate_ids = fields.Many2many(
        "product.product", string="Candidate Products", readonly=True
    )
    product_id = fields.Many2one(
        "product.product",
        string="Link to Product",
        check_company=True,
        help="The product this listing sells.",
    )
    offer_id = fields.Many2one("mp.offer.binding", readonly=True)
    state = fields.Selection(
        [("to_review", "To Review"), ("linked", "Linked"), ("ignored", "Ignored")],
        default="to_review",
        required=True,
        tracking=True,
        index=True,
    )
    raw_payload = fields.Text(
        string="Marketplace Record",
        readonly=True,
        help="The listing as the marketplace sent it (JSON).",
    )
    date_seen = fields.Datetime(string="Last Seen", readonly=True)

    _sql_constraints = [
        (
            "key_uniq",
            "unique(backend_id, key)",
            "A listing is reviewed once per marketplace account.",
        ),
    ]

    @api.depends("backend_id.backend_type", "condition")
    def _compute_condition_label(self):
        for backend, reviews in self.grouped("backend_id").items():
            labels = backend._offer_condition_labels()
            for review in reviews:
                review.condition_label = backend._offer_condition_label(
                    review.condition, labels
                )

    # ------------------------------------------------------------------
    # user actions
    # ------------------------------------------------------------------
    def action_link(self):
        for review in in_company_lang(self):
            if not review.seller_sku:
                raise UserError(
                    self.env._(
                        "A listing without a seller SKU cannot be linked: ignore "
                        "it and fix it on the marketplace."
                    )
                )
            if not review.product_id:
                raise UserError(
                    self.env._(
                        "Choose the product of listing %s first.", review.seller_sku
                    )
                )
            review._link(review.product_id)
        return True

    def action_create_product(self):
        for review in self:
            if review.reason == "invalid" or not review.seller_sku:
                raise UserError(
                    self.env._("An unreadable listing cannot create a product.")
                )
            # the product's name in the user's language, the note in the
            # company's
            product = review._create_product()
            in_company_lang(review)._link(product)
        return True

    def action_ignore(self):
        # the state is tracked: its chatter line in the company's language
        in_company_lang(self).write({"state": "ignored"})
        return True

    def action_reopen(self):
        in_company_lang(self).write({"state": "to_review"})
        return True

    def _link(self, product):
        self.ensure_one()
        if self.state == "linked" and self.offer_id:
            return self.offer_id
        offers = self.env["mp.offer.binding"].with_context(active_test=False)
        offer = offers.search(
            [
                ("backend_id", "=", self.backend_id.id),
                ("seller_sku", "=", self.seller_sku),
            ],
            limit=1,
        )
        if offer:
            offer.product_id = product
        else:
            listing = Listing(
                sku=self.seller_sku,
                eans=tuple(ean for ean in (self.eans or "").split(",") if ean),
                marketplace_product_id=self.marketplace_product_id or None,
                external_id=self.external_id or None,
                condition=self.condition or None,
                title=self.title or None,
                quantity=self.quantity,
                price=Decimal(str(self.price)),
            )
            offer = offers.create(self._offer_vals(self.backend_id, product, listing))
        self.write({"state": "linked", "product_id": product.id, "offer_id": offer.id})
        self.message_post(body=self.env._("Linked to %s.", product.display_name))
        return offer

    def _create_product(self):
        eans = [ean for ean in (self.eans or "").split(",") if ean]
        barcode = eans[0] if len(eans) == 1 else False
        if barcode and self.env["product.product"].search_count(
            [("barcode", "=", barcode)], limit=1
        ):
            barcode = False
        return self.env["product.product"].create(
            {
                "name": self.title or self.seller_sku,
                "default_code": self.seller_sku,
                "barcode": barcode,
                "list_price": self.price or 0.0,
                "type": "consu",
                "is_storable": True,
                "company_id": self.company_id.id,
            }
        )

    # ------------------------------------------------------------------
    # listing import
    # ------------------------------------------------------------------
    @api.model
    def _offer_vals(self, backend, product, listing):
        """Values of a new offer bound from a ``Listing``: what the
        marketplace shows is taken as confirmed, so that only differences
        get pushed."""
        vals = {
            "backend_id": backend.id,
            "product_id": product.id,
            "seller_sku": listing.sku,
            "ean": listing.eans[0] if listing.eans else False,
            "marketplace_product_id": listing.marketplace_product_id or False,
            "external_id": listing.external_id or False,
            "condition": listing.condition or False,
            "title": listing.title or False,
            "date_checked": fields.Datetime.now(),
        }
        if listing.quantity is not None:
            vals.update(
                stock_state="confirmed",
                sent_quantity=listing.quantity,
                confirmed_quantity=listing.quantity,
                mp_quantity=listing.quantity,
            )
        if listing.price is not None:
            vals.update(
                price_state="confirmed",
                sent_price=float(listing.price),
                confirmed_price=float(listing.price),
                mp_price=float(listing.price),
            )
        return vals

    @api.model
    def _sync_listings(self, backend, listings, bind_new=True, run=None):
        """Compare listings with the known offers; bind or queue the others.

        Returns counts: known, new (bound), review, drift.
        """
        stats = {"known": 0, "new": 0, "review": 0, "drift": 0}
        offers = self.env["mp.offer.binding"].with_context(active_test=False)
        by_sku = {}
        for listing in listings:
            by_sku.setdefault(listing.sku, listing)
        known = {
            offer.seller_sku: offer
            for offer in offers.search(
                [("backend_id", "=", backend.id), ("seller_sku", "in", list(by_sku))]
            )
        }
        stats["known"] = len(known)
        stats["drift"] = self._compare_known(backend, known, by_sku)
        if not bind_new:
            return stats
        todo = [listing for sku, listing in by_sku.items() if sku not in known]
        if not todo:
            return stats
        matches = self._match(backend, todo)
        new_vals, reviews = [], []
        for listing in todo:
            products = matches[listing.sku]
            if len(products) == 1:
                new_vals.append(self._offer_vals(backend, products, listing))
            else:
                reviews.append((listing, products))
        if new_vals:
            # bound in bulk: no creation note nor follower per offer (the
            # run counts them)
            created = offers.with_context(tracking_disable=True).create(new_vals)
            stats["new"] = len(created)
            self._close_reviews(backend, created)
        for listing, products in reviews:
            self._queue_review(backend, listing, products)
        stats["review"] = len(reviews)
        return stats

    @api.model
    def _match(self, backend, listings):
        """SKU -> matching products, by the rule of the order import
        (``services/product_resolver.py``: offer, SKU, EANs, marketplace
        product id; the account's company)."""
        resolver = ProductResolver(backend.with_env(self.env))
        return resolver.candidates(ProductKey.of_listing(x) for x in listings)

    @api.model
    def _compare_known(self, backend, known, by_sku):
        """Record what the marketplace shows on known offers; flag drift.

        An offer drifts when its last push was confirmed and the marketplace
        shows another quantity or price. Offers with an export waiting are
        left alone: the export is about to set them right.
        """
        if not known:
            return 0
        self.env.flush_all()
        ids = [offer.id for offer in known.values()]
        self.env.cr.execute(
            SQL(
                "SELECT DISTINCT offer_id FROM mp_offer_dirty WHERE offer_id = ANY(%s)",
                ids,
            )
        )
        pending = {row[0] for row in self.env.cr.fetchall()}
        rows = []
        for sku, offer in known.items():
            listing = by_sku[sku]
            notes = [] if offer.id in pending else self._drift_notes(offer, listing)
            rows.append(
                (
                    offer.id,
                    listing.quantity,
                    str(listing.price) if listing.price is not None else None,
                    bool(notes),
                    ", ".join(notes) or None,
                    listing.external_id,
                )
            )
        self._write_marketplace_values(rows)
        return sum(1 for row in rows if row[3])

    @api.model
    def _drift_notes(self, offer, listing):
        """How the listing differs from the offer's last confirmed push."""
        notes = []
        if (
            offer.stock_state == "confirmed"
            and listing.quantity is not None
            and listing.quantity != offer.confirmed_quantity
        ):
            notes.append(
                self.env._(
                    "quantity %(mp)s instead of %(ours)s",
                    mp=listing.quantity,
                    ours=offer.confirmed_quantity,
                )
            )
        if (
            offer.price_state == "confirmed"
            and listing.price is not None
            and Decimal(listing.price).quantize(CENT)
            != Decimal(str(offer.confirmed_price)).quantize(CENT)
        ):
            notes.append(
                self.env._(
                    "price %(mp)s instead of %(ours)s",
                    mp=listing.price,
                    ours=offer.confirmed_price,
                )
            )
        return notes

    @api.model
    def _write_marketplace_values(self, rows):
        """Write what the marketplace shows on the offers, in one statement:
        rows of (offer id, quantity, price, drift, note, external id)."""
        self.env.cr.execute(
            SQL(
                """
                UPDATE mp_offer_binding o
                   SET mp_quantity = v.quantity, mp_price = v.price::numeric,
                       drift = v.drift, drift_note = v.note,
                       external_id = COALESCE(v.external_id, o.external_id),
                       date_checked = now() at time zone 'UTC'
                  FROM unnest(%s::int[], %s::int[], %s::text[], %s::bool[],
                              %s::text[], %s::text[])
                       AS v(id, quantity, price, drift, note, external_id)
                 WHERE o.id = v.id
                """,
                *[list(column) for column in zip(*rows, strict=True)],
            )
        )
        self.env["mp.offer.binding"].invalidate_model()

    @api.model
    def _queue_review(self, backend, listing, products):
        reason = "ambiguous" if products else "unknown"
        vals = {
            "seller_sku": listing.sku,
            "eans": ",".join(listing.eans) or False,
            "marketplace_product_id": listing.marketplace_product_id or False,
            "external_id": listing.external_id or False,
            "title": listing.title or False,
            "condition": listing.condition or False,
            "quantity": listing.quantity or 0,
            "price": float(listing.price) if listing.price is not None else 0.0,
            "reason": reason,
            "candidate_ids": [Command.set(products.ids)],
            "message": self.env._(
                "EAN or SKU shared by %s.",
                ", ".join(products.mapped("display_name")),
            )
            if products
            else self.env._("No product has this SKU, EAN or marketplace id."),
            "raw_payload": json.dumps(listing.raw, default=str, indent=1),
            "date_seen": fields.Datetime.now(),
        }
        return self._upsert(backend, listing.sku, vals)

    @api.model
    def _queue_invalid(self, backend, raw, reason):
        """Queue a listing the connector could not read, with what its
        client can read of it (SKU, EANs, title...) and always the reason."""
        text = json.dumps(raw, default=str, sort_keys=True)
        found = self._listing_parts(backend, raw)
        sku = found.sku or None
        key = sku or "raw-" + hashlib.sha1(text.encode()).hexdigest()[:16]
        self._upsert(
            backend,
            key,
            {
                "seller_sku": sku or False,
                "eans": ",".join(found.eans) or False,
                "title": found.title or False,
                "marketplace_product_id": found.marketplace_product_id or False,
                "external_id": found.external_id or False,
                "condition": found.condition or False,
                "reason": "invalid",
                "message": str(reason or found.problem or "").strip()
                or self.env._("The marketplace sent a listing that cannot be read."),
                "raw_payload": json.dumps(raw, default=str, sort_keys=True, indent=2),
                "date_seen": fields.Datetime.now(),
            },
        )
        return 1

    @api.model
    def _listing_parts(self, backend, raw):
        """What the account's client reads of an unreadable listing record
        (a partial ``mphub.offers.Listing``)."""
        return backend._get_client().listing_parts(raw)

    def _upsert(self, backend, key, vals):
        review = self.search(
            [("backend_id", "=", backend.id), ("key", "=", key)], limit=1
        )
        if review:
            if review.state == "linked":
                vals = dict(vals, state="to_review", offer_id=False)
            review.write(vals)
            return review
        return self.create(dict(vals, backend_id=backend.id, key=key))

    @api.model
    def _close_reviews(self, backend, offers):
        reviews = self.search(
            [
                ("backend_id", "=", backend.id),
                ("key", "in", offers.mapped("seller_sku")),
                ("state", "=", "to_review"),
            ]
        )
        offer_of = {offer.seller_sku: offer for offer in offers}
        for review in reviews:
            offer = offer_of[review.key]
            review.write(
                {
                    "state": "linked",
                    "offer_id": offer.id,
                    "product_id": offer.product_id.id,
                }
            )
