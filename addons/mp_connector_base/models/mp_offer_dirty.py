from odoo import api, fields, models
from odoo.tools import SQL

PRECOMMIT_KEY = "mp_offer_dirty"


class MpOfferDirty(models.Model):
    """Offers waiting for an export: an append-only queue.

    A stock move, a reservation, a price or policy change inserts a row per
    affected offer; the account's export job takes (deletes) the rows it
    handles in its own transaction. Inserting never waits on an export in
    progress, and an export that crashes gives its rows back by rolling
    back. Marks are gathered during a transaction and written once, just
    before it commits, together with the export jobs they call for.
    """

    _name = "mp.offer.dirty"
    _description = "Marketplace Offer to Export"
    _log_access = False

    offer_id = fields.Many2one(
        "mp.offer.binding", required=True, ondelete="cascade", index=True
    )
    backend_id = fields.Many2one(
        "mp.backend",
        string="Marketplace Account",
        required=True,
        ondelete="cascade",
        index=True,
    )
    force = fields.Boolean(
        help="Push the offer even if it equals the last confirmed push."
    )

    # ------------------------------------------------------------------
    # marking
    # ------------------------------------------------------------------
    def _pending_marks(self):
        data = self.env.cr.precommit.data
        marks = data.get(PRECOMMIT_KEY)
        if marks is None:
            marks = data[PRECOMMIT_KEY] = {
                "products": set(),
                "offers": set(),
                "forced": set(),
                "backends": set(),
            }
            self.env.cr.precommit.add(self._flush_marks)
        return marks

    @api.model
    def _mark_products(self, product_ids):
        """The offers of these products need an export (stock or price)."""
        if product_ids:
            self._pending_marks()["products"].update(product_ids)

    @api.model
    def _mark_offers(self, offer_ids, force=False):
        if offer_ids:
            marks = self._pending_marks()
            marks["forced" if force else "offers"].update(offer_ids)

    @api.model
    def _mark_backends(self, backend_ids):
        """Every offer of these accounts needs an export (policy change)."""
        if backend_ids:
            self._pending_marks()["backends"].update(backend_ids)

    @api.model
    def _flush_marks(self):
        """Write the gathered marks and queue the exports they call for."""
        marks = self.env.cr.precommit.data.pop(PRECOMMIT_KEY, None)
        if not marks or not any(marks.values()):
            return
        # the callback stays registered: re-registering on the next mark
        # must not run it twice, so the data key is its only trigger
        self.env.flush_all()
        conditions = []
        if marks["products"]:
            conditions.append(SQL("o.product_id = ANY(%s)", sorted(marks["products"])))
        if marks["offers"]:
            conditions.append(SQL("o.id = ANY(%s)", sorted(marks["offers"])))
        if marks["backends"]:
            conditions.append(SQL("o.backend_id = ANY(%s)", sorted(marks["backends"])))
        backend_ids = set()
        if conditions:
            backend_ids |= self._insert_marks(SQL(" OR ").join(conditions), False)
        if marks["forced"]:
            backend_ids |= self._insert_marks(
                SQL("o.id = ANY(%s)", sorted(marks["forced"])), True
            )
        if backend_ids:
            backends = self.env["mp.backend"].sudo().browse(sorted(backend_ids))
            backends._schedule_offer_export()
            self.env.flush_all()

    def _insert_marks(self, condition, force):
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO mp_offer_dirty (offer_id, backend_id, force)
                SELECT o.id, o.backend_id, %(force)s
                  FROM mp_offer_binding o
                  JOIN mp_backend b ON b.id = o.backend_id
                 WHERE (%(condition)s) AND b.active
                   AND (b.export_stock OR b.export_price)
                RETURNING backend_id
                """,
                force=force,
                condition=condition,
            )
        )
        backend_ids = {row[0] for row in self.env.cr.fetchall()}
        self._invalidate_marks()
        return backend_ids

    def _invalidate_marks(self):
        self.invalidate_model()
        self.env["mp.offer.binding"].invalidate_model(["dirty_ids", "export_pending"])

    # ------------------------------------------------------------------
    # taking
    # ------------------------------------------------------------------
    @api.model
    def _take(self, backend):
        """Delete and return the marks of an account: {offer id: forced}.

        The rows stay locked by this transaction; rolled back, they are back.
        """
        self.env.cr.execute(
            SQL(
                """
                DELETE FROM mp_offer_dirty
                 WHERE id IN (
                    SELECT id FROM mp_offer_dirty WHERE backend_id = %(backend)s
                     FOR UPDATE SKIP LOCKED
                 )
                RETURNING offer_id, force
                """,
                backend=backend.id,
            )
        )
        taken = {}
        rows = self.env.cr.fetchall()
        self._invalidate_marks()
        for offer_id, force in rows:
            taken[offer_id] = taken.get(offer_id, False) or force
        return taken

    @api.model
    def _count_for(self, backends):
        if not backends:
            return {}
        self.env.cr.execute(
            SQL(
                "SELECT backend_id, count(DISTINCT offer_id) FROM mp_offer_dirty "
                "WHERE backend_id IN %s GROUP BY backend_id",
                tuple(backends.ids),
            )
        )
        return dict(self.env.cr.fetchall())
