import logging

import psycopg2

from odoo import api, fields, models
from odoo.osv import expression
from odoo.tools import SQL, escape_psql

_logger = logging.getLogger(__name__)

#: Trigram indexes the shop search needs beside Odoo's own ``index="trigram"``
#: fields: the references, whose btree index (``index=True``) cannot serve an
#: ``ilike '%...%'``. (table, column, index name)
REFERENCE_TRIGRAM_INDEXES = (
    ("product_template", "default_code", "product_template__default_code_b2b_trgm"),
    ("product_product", "default_code", "product_product__default_code_b2b_trgm"),
)
#: Btree indexes of the shop's pages: its default order (website_sale's
#: ``_get_search_order`` with the default sort), the price range (MIN/MAX of
#: the list price) and the catalogue's last change (the shop's cache key).
SHOP_INDEXES = (
    (
        "product_template__b2b_shop_order",
        "product_template",
        "(COALESCE(is_published, FALSE) DESC, website_sequence, id DESC) "
        "WHERE active AND sale_ok",
    ),
    ("product_template__b2b_list_price", "product_template", "(list_price)"),
    ("product_template__b2b_write_date", "product_template", "(write_date)"),
    ("product_product__b2b_write_date", "product_product", "(write_date)"),
)


class ProductTemplate(models.Model):
    _inherit = "product.template"

    b2b_min_qty = fields.Float(
        string="Minimum Order Quantity",
        digits="Product Unit of Measure",
        help="Minimum quantity a B2B customer must order in one line. "
        "0 means no minimum.",
    )
    b2b_pack_qty = fields.Float(
        string="Sold by Multiples of",
        digits="Product Unit of Measure",
        help="The product is sold by packs of this quantity: the ordered quantity "
        "must be a multiple of it. 0 or 1 means any quantity.",
    )
    # The shop search matches these too (website_sale's _search_get_detail):
    # indexed, a search no longer reads the whole catalogue.
    description = fields.Html(index="trigram")
    description_sale = fields.Text(index="trigram")
    website_description = fields.Html(index="trigram")

    def init(self):
        self._b2b_ensure_shop_indexes()
        return super().init()

    @api.model
    def _b2b_ensure_shop_indexes(self):
        """Index the shop's pages (SHOP_INDEXES); enable ``pg_trgm`` when the
        database allows it and index the product references for ``ilike``
        searches.

        Runs before the registry checks the fields' indexes (``init`` comes
        first), so Odoo also creates its own trigram indexes (product names,
        descriptions) on a database that had no ``pg_trgm`` when the products
        were installed. Without the extension (a database user that may not
        create it) the search still works, only unindexed.
        """
        cr = self.env.cr
        registry = self.env.registry
        for name, table, expression_sql in SHOP_INDEXES:
            cr.execute(
                SQL(
                    "CREATE INDEX IF NOT EXISTS %s ON %s %s",
                    SQL.identifier(name),
                    SQL.identifier(table),
                    SQL(expression_sql),
                )
            )
        if not registry.has_trigram:
            try:
                with cr.savepoint(flush=False):
                    cr.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            except psycopg2.Error as error:
                _logger.warning(
                    "B2B portal: the PostgreSQL extension pg_trgm could not be "
                    "enabled (%s); product searches stay unindexed until a "
                    "database administrator runs CREATE EXTENSION pg_trgm.",
                    error.pgcode,
                )
                return
            registry.has_trigram = True
        for table, column, name in REFERENCE_TRIGRAM_INDEXES:
            cr.execute(
                SQL(
                    "CREATE INDEX IF NOT EXISTS %s ON %s USING gin (%s gin_trgm_ops)",
                    SQL.identifier(name),
                    SQL.identifier(table),
                    registry.unaccent(SQL.identifier(column)),
                )
            )

    @api.model
    def _search_build_domain(self, domain_list, search, fields, extra=None):
        """Match each search term with a UNION of one indexed query per field.

        website's version ORs ``field ilike term`` over the fields; as one of
        them is the variants' reference (a sub-query), PostgreSQL cannot combine
        the trigram indexes and reads every product for each search. The same
        matches, computed field by field and united, use the indexes: a search
        of a 50,000 products catalogue takes milliseconds.
        """
        if not search or extra or not self.env.registry.has_trigram:
            return super()._search_build_domain(domain_list, search, fields, extra)
        domains = list(domain_list)
        for term in search.split(" "):
            branches = [
                self._search([(field, "ilike", escape_psql(term))]).subselect()
                for field in fields
            ]
            domains.append([("id", "in", SQL("(%s)", SQL(" UNION ").join(branches)))])
        return expression.AND(domains)
