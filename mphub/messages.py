"""Buyer messages and incidents, as every marketplace client reports them.

A client turns the marketplace's own records (Fnac messages and incidents,
Mirakl threads...) into ``CustomerMessage`` values; the addons store them,
post them in the sale order's chatter and send the seller's replies back
(``MarketplaceClient.list_messages`` / ``reply_message``).
"""

from dataclasses import dataclass, field
from datetime import datetime

KINDS = ("message", "incident")
# who wrote: the buyer, the marketplace's operator (call centre), the seller
# itself (a reply already sent), the marketplace's automatic notices
AUTHORS = ("customer", "operator", "seller", "system")


@dataclass(frozen=True)
class CustomerMessage:
    """One message (or incident) of a buyer or operator to the seller."""

    external_id: str  # the marketplace's id, unique per account
    kind: str  # "message" | "incident"
    order_external_id: str | None  # the order it is about, None otherwise
    author: str  # one of AUTHORS
    subject: str
    body: str  # plain text, never HTML to render
    created_at: datetime  # aware
    updated_at: datetime  # aware; the newest change of the record
    reply_expected: bool  # the seller is expected to answer it
    answered: bool  # the marketplace knows of an answer already
    state: str | None = None  # the marketplace's own state (UNREAD, opened)
    extra: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown message kind {self.kind!r}")
        if self.author not in AUTHORS:
            raise ValueError(f"unknown message author {self.author!r}")
        if not self.external_id:
            raise ValueError("a message needs its marketplace id")
        for name in ("created_at", "updated_at"):
            value = getattr(self, name)
            if not isinstance(value, datetime) or value.tzinfo is None:
                raise ValueError(f"{name} must be an aware datetime")


@dataclass(frozen=True)
class MessagePage:
    """One page of messages. A record the client cannot read does not stop
    the page: it is in ``invalid`` as ``(raw record, reason)``."""

    messages: list  # CustomerMessage values
    next_page: str | None  # opaque token, None at the end
    invalid: list = field(default_factory=list)  # (raw record, reason) pairs
