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
    # line id -> quantity the seller's earlier shipments of the order
    # declared: what the marketplace shows shipped beyond it is this
    # shipment's, already declared by an attempt whose answer was lost
    declared: dict | None = None


class MarketplaceClient(ABC):
    """Business verbs of a marketplace seller API."""

    @abstractmethod
    def test_connection(self):
        """Check the endpoint and credentials; return a dict describing the
        account (at least ``name``)."""

    @abstractmethod
    def list_orders(self, updated_since, page=None, updated_before=None):
        """Return the ``OrderPage`` of orders updated since ``updated_since``
        (an aware datetime) and, when given, before ``updated_before``;
        ``page`` is the ``next_page`` of the previous call."""

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

    # -- offers (optional: a client that does not sell offers keeps these) --
    def list_listings(self, page=None):
        """Return the ``mphub.offers.ListingPage`` of the seller's offers
        after ``page`` (the ``next_page`` of the previous call)."""
        raise NotImplementedError

    def push_stock(self, rows):
        """Send quantities (``StockRow`` list) in the marketplace's batch
        format; return the batch id to poll with ``push_status``, or None
        when the marketplace applied them at once, or the final
        ``PushStatus`` (with its per-SKU errors) when it answered at once."""
        raise NotImplementedError

    def push_prices(self, rows):
        """Send prices (``PriceRow`` list); same return as ``push_stock``."""
        raise NotImplementedError

    def push_offers(self, rows):
        """Send quantities and prices together (``OfferRow`` list, one message
        per row, in that order); same return as ``push_stock``. Only for
        clients whose ``pushes_both`` is true."""
        raise NotImplementedError

    pushes_both = False  # push_offers sends stock and prices in one batch

    def push_status(self, kind, batch_id, skus=None):
        """Return the ``PushStatus`` of a batch (``kind``: "stock" or
        "price"), with the per-SKU errors once it is done; ``skus``: the
        SKUs of the batch in the order they were sent. A batch of
        ``push_offers`` has one status for both kinds: an SKU in error
        failed as a whole."""
        raise NotImplementedError

    max_push_rows = 10000  # rows per pushed batch

    transport = None  # the HttpTransport of REST clients

    def close(self):
        """Release network resources."""
        if self.transport is not None:
            self.transport.close()
