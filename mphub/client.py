"""The interface every marketplace client offers to the addons.

A client is built from plain values (URL, credentials, settings), never from
an Odoo record. It speaks business verbs; the addon's jobs call them and map
the core's exceptions (``mphub.errors``) to queue_job outcomes.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import timedelta

from . import errors
from .offers import Listing

# the errors that concern one order of a call of several (``accept_orders``)
ORDER_ERRORS = (errors.RemoteError, errors.NotFound, errors.TransientError)

# what a client may offer beyond reading orders (``capabilities``)
CAPABILITIES = frozenset(
    {
        "accept",  # orders wait for the seller's acceptance (accept_order)
        "ship",  # shipments are declared to the marketplace (ship_order)
        "cancel",  # the seller can cancel an order
        "listings",  # list_listings
        "push_stock",
        "push_prices",
        "push_offers",  # quantities and prices in one batch
        "push_status",  # batches are polled until done
        "carriers",  # list_carriers: the marketplace's carrier codes
        "messages",  # list_messages / reply_message: buyers' messages
        # competitor_offers(references): mphub.pricing.ProductOffers of each
        "competitors",
        # fee_estimates(items): the marketplace's fees for a price
        "fees",
    }
)


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
    """Business verbs of a marketplace seller API, and what the client knows
    of the marketplace's payloads: the addons never read a marketplace's
    keys themselves, they ask the client."""

    # -- what the marketplace is like ----------------------------------------
    # how far before now an import window must end (the marketplace's own
    # publication delay)
    import_lag = timedelta(0)
    # the marketplace is told about each delivery, with its lines and
    # quantities (partial shipments), not once when the order has left
    ships_per_delivery = False
    # names of ``CAPABILITIES`` the client offers
    capabilities = frozenset()

    # -- raw orders ------------------------------------------------------------
    @abstractmethod
    def external_id(self, raw):
        """The marketplace order id of a raw order payload, None when absent
        or unusable."""

    def raw_state(self, raw):
        """``(status, state)`` of a raw order payload: its canonical
        ``mphub.canonical.OrderStatus`` (or None) and the marketplace's own
        state text (or None), read without mapping the payload (a cancelled
        order may lack what a mapping needs); ``(None, None)`` when
        unknown."""
        return None, None

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
    def accept_order(self, external_id, decisions, raw=None):
        """Accept or refuse the lines of an order waiting for the seller.

        ``decisions`` maps each marketplace line id to True (accept) or False
        (refuse); ``raw`` is the order's stored payload, if any, for a client
        that can address the lines from it instead of reading the order
        again (a hint: the marketplace's answer decides). Returns an
        ``Outcome``."""

    @abstractmethod
    def ship_order(self, external_id, shipment):
        """Declare the order shipped with its carrier and tracking.

        Returns an ``Outcome``."""

    # -- several orders per call (``status_batch_size`` > 1) ------------------
    # how many orders one acceptance or shipment call may carry: above 1,
    # the base gathers the account's pending exports and sends them with
    # ``accept_orders`` / ``ship_orders``, chunks of at most this many
    status_batch_size = 1

    def accept_orders(self, items):
        """Accept or refuse several orders at once.

        ``items``: a list of ``(external_id, decisions, raw)`` as
        ``accept_order`` takes them, at most ``status_batch_size``. Returns a
        dict external_id -> ``Outcome``, or the ``mphub.errors`` error of
        that order alone (``RemoteError``/``NotFound``: refused;
        ``TransientError``: to send again later); an order left out of it
        counts as not answered. An error of the whole call (the marketplace
        down, the credentials refused) is raised. This default sends them
        one by one (``accept_order``), and after a transient error gives the
        rest that error unsent."""
        return _each(
            items, lambda item: self.accept_order(item[0], item[1], raw=item[2])
        )

    def ship_orders(self, items):
        """Declare several orders shipped at once: ``items`` is a list of
        ``(external_id, shipment, raw)``; returns as ``accept_orders``.
        This default sends them one by one."""
        return _each(items, lambda item: self.ship_order(item[0], item[1]))

    # -- offers (optional: a client that does not sell offers keeps these) --
    def list_listings(self, page=None):
        """Return the ``mphub.offers.ListingPage`` of the seller's offers
        after ``page`` (the ``next_page`` of the previous call)."""
        raise NotImplementedError

    def listing_parts(self, raw):
        """What can be read of a listing record ``list_listings`` put in
        ``ListingPage.invalid``, as a partial ``mphub.offers.Listing``
        (``sku`` "" when none is readable); never raises. The base shows it
        to staff: it never reads a marketplace's payload keys itself."""
        return Listing(sku="", raw=raw if isinstance(raw, dict) else {})

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
    # every row of push_offers carries both the quantity and the price (the
    # marketplace replaces both): the base sends the unchanged one too, and
    # calls push_offers even when only one kind changed
    complete_offer_rows = False

    def push_status(self, kind, batch_id, skus=None):
        """Return the ``PushStatus`` of a batch (``kind``: "stock" or
        "price"), with the per-SKU errors once it is done; ``skus``: the
        SKUs of the batch in the order they were sent. A batch of
        ``push_offers`` has one status for both kinds: an SKU in error
        failed as a whole."""
        raise NotImplementedError

    max_push_rows = 10000  # rows per pushed batch

    def competitor_offers(self, references):
        """The offers of every seller of each product of ``references`` (EANs,
        or ``(type, value)`` pairs): a list of ``mphub.pricing.ProductOffers``,
        a product the marketplace does not know with its ``error`` (capability
        "competitors")."""
        raise NotImplementedError

    def fee_estimates(self, items):
        """The marketplace's fees for each item of ``items`` (``(sku, price,
        currency, fulfilled_by_marketplace)``), in their order: a
        ``mphub.pricing.FeeEstimate`` (the total, split in what grows with the
        price and what does not); an item it cannot estimate gets its error
        (capability "fees")."""
        raise NotImplementedError

    transport = None  # the HttpTransport of REST clients

    def close(self):
        """Release network resources."""
        if self.transport is not None:
            self.transport.close()

    # -- buyers' messages (capability "messages") ------------------------------
    def list_messages(self, updated_since, page=None):
        """Return the ``mphub.messages.MessagePage`` of the buyers' messages
        and incidents changed since ``updated_since`` (an aware datetime),
        after ``page`` (the ``next_page`` of the previous call). A record
        the client cannot read goes to ``MessagePage.invalid``."""
        raise NotImplementedError

    def reply_message(self, message, body):
        """Send the seller's reply ``body`` (plain text) to ``message`` (a
        ``mphub.messages.CustomerMessage`` this client listed); returns an
        ``Outcome``."""
        raise NotImplementedError


def _each(items, send):
    """``send`` each item in turn: external_id -> its outcome, or the error
    of that order alone (``ORDER_ERRORS``). After a transient error (the
    marketplace throttling, or down) the rest is not sent: each of them gets
    that error, to be sent again later."""
    results = {}
    for item in items:
        try:
            results[item[0]] = send(item)
        except errors.TransientError as err:
            results.update((rest[0], err) for rest in items if rest[0] not in results)
            break
        except ORDER_ERRORS as err:
            results[item[0]] = err
    return results
