"""Transaction advisory locks of an account: the one way the connector
serialises work that no row lock covers (storing a page of orders, an
offer export, creating a buyer or an address).

A lock is named by the account and a few parts (``"store-orders"``, or
``"buyer", key``); its 64-bit key is derived from that name, so that every
caller asking for the same name asks for the same lock. The lock is a
transaction lock: it is released when the transaction ends, never held by a
worker that died.
"""

import hashlib

from odoo.tools import SQL


def lock_key(backend_id, *parts):
    """The PostgreSQL advisory-lock key of the lock ``parts`` of account
    ``backend_id``: the first 8 bytes of the SHA-1 of ``mp:<id>:<parts>``."""
    name = ":".join(["mp", str(backend_id), *(str(part) for part in parts)])
    digest = hashlib.sha1(name.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def try_xact_lock(cr, backend_id, *parts):
    """Take the transaction advisory lock ``parts`` of account
    ``backend_id`` now; False when another transaction holds it (never
    waits)."""
    cr.execute(
        SQL("SELECT pg_try_advisory_xact_lock(%s)", lock_key(backend_id, *parts))
    )
    return cr.fetchone()[0]


def xact_lock(cr, backend_id, *parts):
    """Take the transaction advisory lock ``parts`` of account
    ``backend_id``, waiting for the transaction holding it to end."""
    cr.execute(SQL("SELECT pg_advisory_xact_lock(%s)", lock_key(backend_id, *parts)))
