"""The interface every marketplace client offers to the addons.

A client is built from plain values (URL, credentials, settings), never from
an Odoo record. It speaks business verbs; the addon's jobs call them and map
the core's exceptions (``mphub.errors``) to queue_job outcomes.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass


class Outcome:
    """Result of an order action sent to a marketplace."""

    DONE = "done"  # the marketplace applied it now
    ALREADY = "already"  # the order was already in the target state


@dataclass(frozen=True)
class OrderPage:
    """One page of raw orders, as the marketplace sent them."""

    orders: list  # raw payloads (dicts), verbatim
    next_page: str | None  # opaque token of the next page, None at the end
    total: int | None = None  # number of orders in the whole window, if known


@dataclass(frozen=True)
class Shipment:
    """What the seller tells the marketplace when a delivery leaves."""

    tracking_number: str | None = None
    carrier_code: str | None = None  # the marketplace's own carrier code
    carrier_name: str | None = None  # free text, for unregistered carriers
    carrier_url: str | None = None
    lines: dict | None = None  # marketplace line id -> quantity, for partial


class MarketplaceClient(ABC):
    """Business verbs of a marketplace seller API."""

    @abstractmethod
    def test_connection(self):
        """Check the endpoint and credentials; return a dict describing the
        account (at least ``name``)."""

    @abstractmethod
    def list_orders(self, updated_since, page=None):
        """Return the ``OrderPage`` of orders updated since ``updated_since``
        (an aware datetime); ``page`` is the ``next_page`` of the previous
        call."""

    @abstractmethod
    def get_orders(self, external_ids):
        """Return the raw payloads of the given orders (missing ones left out)."""

    @abstractmethod
    def map_order(self, raw):
        """Map a raw order payload to a ``mphub.canonical.Order``.

        Raises ``InvalidPayload`` with every reason found."""

    @abstractmethod
    def accept_order(self, external_id, decisions):
        """Accept or refuse the lines of an order waiting for the seller.

        ``decisions`` maps each marketplace line id to True (accept) or False
        (refuse). Returns an ``Outcome``."""

    @abstractmethod
    def ship_order(self, external_id, shipment):
        """Declare the order shipped with its carrier and tracking.

        Returns an ``Outcome``."""

    transport = None  # the HttpTransport of REST clients

    def close(self):
        """Release network resources."""
        if self.transport is not None:
            self.transport.close()
