"""The error taxonomy of order processing, in one place.

- ``OrderError(kind, message, missing)``: the order cannot become a sale
  order now; it waits in error with a reason people read (``kind``: "data",
  "product", "config" or "other");
- ``Busy`` and ``TRANSIENT_DB_ERRORS``: another worker holds what the order
  needs (a row or advisory lock, a serialization failure, a deadlock, a
  unique or foreign key violation): the order is processed again shortly in
  a new transaction, never put in error;
- any other database error keeps the order in error with the error's kind
  only (``database_error_reason``): the query and its values go to the
  server log and the order's technical details, never to the reason.
"""

from psycopg2 import errors as pg_errors

from ..models.mp_backend import LOCK_ERRORS

# database errors another worker causes: the order is processed again in a
# new transaction, which sees what the other one committed
TRANSIENT_DB_ERRORS = (
    *LOCK_ERRORS,
    pg_errors.UniqueViolation,
    pg_errors.ForeignKeyViolation,
)


class OrderError(Exception):
    """An order that cannot become a sale order now; kept in error.

    ``kind`` tells staff where to look: the payload itself, a product that
    does not exist yet, or the configuration.
    """

    def __init__(self, kind, message, missing=()):
        super().__init__(message)
        self.kind = kind
        self.missing = tuple(missing)  # (sku, ean) pairs of unknown products


class Busy(Exception):
    """Another worker holds what this order needs; try again shortly."""


def database_error_reason(env, err):
    """A sentence saying what the database refused, for people."""
    if isinstance(err, pg_errors.NotNullViolation):
        problem = env._("A value the sale order needs is missing.")
    elif isinstance(err, pg_errors.CheckViolation):
        problem = env._("A value of the order is outside what the database accepts.")
    elif isinstance(err, pg_errors.IntegrityError):
        problem = env._("The order conflicts with data already saved.")
    elif isinstance(err, pg_errors.DataError):
        problem = env._(
            "A value of the order does not fit (too long, out of range or "
            "badly formed)."
        )
    else:
        problem = env._("The database could not save the order.")
    return env._(
        "%(problem)s Check the order's products, customer and account "
        "settings, then replay it; managers find the technical details on "
        "the order (error %(error)s).",
        problem=problem,
        error=type(err).__name__,
    )
