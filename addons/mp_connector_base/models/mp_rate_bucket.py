"""Rate-limit buckets shared by every Odoo process of the database."""

from odoo import fields, models, sql_db


class MpRateBucket(models.Model):
    """A marketplace API's token bucket for one account and operation.

    Connectors whose marketplace limits each operation (Amazon) keep their
    buckets here rather than in the process, so that every worker and host
    takes from the same quota. Rows are written by ``_rate_store`` only, one
    atomic statement per API call in a transaction of its own.
    """

    _name = "mp.rate.bucket"
    _description = "Marketplace API Rate Bucket"
    _log_access = False
    _order = "key, operation"

    key = fields.Char(required=True, help="Hash of the account's endpoint and id.")
    operation = fields.Char(required=True)
    rate = fields.Float(help="Tokens per second.")
    burst = fields.Integer()
    tokens = fields.Float()
    stamp = fields.Float(help="When the tokens were counted, in epoch seconds.")

    _sql_constraints = [
        (
            "key_operation_unique",
            "UNIQUE (key, operation)",
            "One bucket per account and operation.",
        )
    ]

    def _rate_store(self):
        """An ``execute(query, params)`` function for ``mphub``'s shared
        buckets: each statement runs and commits on a connection of its own,
        outside the job's transaction, so a bucket's row lock lasts one
        statement and a rolled-back job still counts its calls."""
        dbname = self.env.cr.dbname

        def execute(query, params):
            # the cursor commits when the block ends
            with sql_db.db_connect(dbname).cursor() as cr:
                # the statement reads the row as the last writer left it
                # (Odoo's repeatable read would fail concurrent updates);
                # one round trip for both
                cr.execute(
                    "SET TRANSACTION ISOLATION LEVEL READ COMMITTED; " + query, params
                )
                return cr.fetchone() if cr.description else None

        return execute
