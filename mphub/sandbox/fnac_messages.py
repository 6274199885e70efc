"""Messages and incidents of the Fnac Darty store (a mixin of ``FnacStore``:
it gives ``seed``, ``lock``, ``clock``, ``shops``, ``shop()`` and ``find()``).

Messages (MessagesQueryService.xsd) are ORDER messages: ``message_referer``
is the order id, from CLIENT, CALLCENTER or SYSTEM (and SELLER for the
shop's own: replies and created messages). The XSD's ``message_from`` knows
no SYSTEM type: a SYSTEM message is rendered WITHOUT ``message_from`` (the
sandbox's choice, the only valid rendering). States READ / UNREAD, archived
TRUE / FALSE. messages_update (MessagesUpdateService.xsd): ``reply`` (``id``
= the message answered) stores a SELLER message on the same order, marks the
answered message READ with its ``answer`` and ``answer_at``; ``create``
(``id`` = the order id) a SELLER message; ``mark_as_read``,
``mark_as_unread``, ``archive``, ``mark_as_read_and_archive``,
``unarchive``. Every change bumps the message's ``updated_at``; a new
message bumps its order's update date (``nb_messages`` changes).

Incidents (IncidentsQueryService.xsd): one order detail each (the XSD's
``order_details_incident`` holds exactly one), status OPENED / CLOSED, a
``type`` (incident_open_state, 0-18: the reason's code, meaning unsaid by
the XSD) and the buyer's ``message`` (the reason's text).
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from .fnac_data import stable_uuid
from .server import format_timestamp

FROM_TYPES = ("CLIENT", "CALLCENTER", "SYSTEM", "SELLER")
SUBJECTS = (
    "product_information",
    "shipping_information",
    "order_information",
    "offer_problem",
    "offer_not_received",
    "other_question",
)
_BODIES = (
    "Bonjour, quand ma commande sera-t-elle expédiée ?",
    "Bonjour, le colis n'est toujours pas arrivé, pouvez-vous vérifier le suivi ?",
    "Est-il possible de livrer à une autre adresse ?",
    "L'article est-il bien neuf et sous garantie ?",
    "Merci de me confirmer la date de livraison.",
)
MESSAGE_ACTIONS = (
    "mark_as_read",
    "mark_as_unread",
    "archive",
    "mark_as_read_and_archive",
    "unarchive",
    "reply",
    "create",
    "confirm_shop_delivery",
)


@dataclass
class Message:
    message_id: str
    shop_id: str
    order_id: str
    from_type: str
    from_name: str
    subject: str
    description: str
    created: datetime
    updated: datetime
    state: str = "UNREAD"
    archived: bool = False
    answer: str = None
    answer_at: datetime = None
    offer_title: str = None
    to: str = None  # a SELLER message: CLIENT, CALLCENTER or ALL
    reply_to: str = None  # a SELLER reply: the message answered


@dataclass
class Incident:
    incident_id: str
    shop_id: str
    order_id: str
    line_id: int
    type: int
    message: str
    created: datetime
    updated: datetime
    status: str = "OPENED"
    waiting: bool = True
    opened_by: str = "client"
    closed_by: str = None
    closed_status: int = None
    closed_at: datetime = None
    refund: dict = field(default=None)


class MessagesMixin:
    """Messages and incidents (module docstring)."""

    def reset_messages(self):
        self.message_tables = {shop_id: {} for shop_id in self.shops}
        self.incident_tables = {shop_id: {} for shop_id in self.shops}
        self.message_counter = 0

    def _message_id(self, shop):
        self.message_counter += 1
        return stable_uuid("fnac-message", self.seed, shop.slot, self.message_counter)

    def _add_message(self, order, from_type, text, subject, **values):
        shop = self.shops[order.shop_id]
        now = self.clock.now()
        names = {
            "CLIENT": f"{order.client_firstname} {order.client_lastname}".strip(),
            "CALLCENTER": "Service client Fnac",
            "SYSTEM": "Fnac",
            "SELLER": shop.name,
        }
        message = Message(
            message_id=self._message_id(shop),
            shop_id=shop.shop_id,
            order_id=order.order_id,
            from_type=from_type,
            from_name=names[from_type],
            subject=subject,
            description=text,
            created=now,
            updated=now,
            offer_title=order.lines[0].product_name if order.lines else None,
            **values,
        )
        self.message_tables[shop.shop_id][message.message_id] = message
        order.nb_messages += 1
        order.updated = max(order.updated, now)
        return message

    def seed_message(self, order, rng):
        """A generated buyer's (or call centre's) message on ``order``."""
        from_type = "CLIENT" if rng.random() < 0.85 else "CALLCENTER"
        self._add_message(order, from_type, rng.choice(_BODIES), rng.choice(SUBJECTS))

    def post_message(self, shop_id, order_id, text, subject=None, from_type="CLIENT"):
        """A message on an order from CLIENT, CALLCENTER or SYSTEM; returns
        its id."""
        if from_type not in FROM_TYPES[:3]:
            raise ValueError(f"from_type must be one of {', '.join(FROM_TYPES[:3])}")
        with self.lock:
            order = self.find(order_id, self.shop(shop_id))
            subject = subject or (
                "order_information" if from_type != "SYSTEM" else "Information"
            )
            return self._add_message(order, from_type, str(text), subject).message_id

    def message_list(self, shop):
        with self.lock:
            return list(self.message_tables[shop.shop_id].values())

    def replies(self, shop_id, order_id):
        """The SELLER messages of an order (replies and created ones)."""
        shop = self.shop(shop_id)
        with self.lock:
            return [
                {
                    "message_id": message.message_id,
                    "reply_to": message.reply_to,
                    "to": message.to,
                    "subject": message.subject,
                    "body": message.description,
                    "created": format_timestamp(message.created),
                }
                for message in self.message_tables[shop.shop_id].values()
                if message.order_id == order_id and message.from_type == "SELLER"
            ]

    def message_record(self, shop_id, message_id):
        shop = self.shop(shop_id)
        with self.lock:
            message = self.message_tables[shop.shop_id].get(message_id)
            if message is None:
                raise ValueError(f"unknown message {message_id!r}")
            return {
                "message_id": message.message_id,
                "order_id": message.order_id,
                "from_type": message.from_type,
                "subject": message.subject,
                "body": message.description,
                "state": message.state,
                "archived": message.archived,
                "answer": message.answer,
                "updated": format_timestamp(message.updated),
            }

    def update_message(self, shop, message_id, action, values):
        """One messages_update item; raises ``StoreError``."""
        from .fnac_store import StoreError

        with self.lock:
            if action == "create":
                order = self.find(message_id, shop)
                return self._seller_message(order, None, values)
            message = self.message_tables[shop.shop_id].get(message_id)
            if message is None:
                raise StoreError("ERR_150", f"Message {message_id} not found")
            now = self.clock.now()
            if action == "reply":
                if not (values.get("message_description") or "").strip():
                    raise StoreError("ERR_151", "A reply needs a message_description")
                order = self.find(message.order_id, shop)
                reply = self._seller_message(order, message, values)
                message.answer, message.answer_at, message.state = (
                    reply.description,
                    now,
                    "READ",
                )
            elif action in ("mark_as_read", "mark_as_read_and_archive"):
                message.state = "READ"
                message.archived = message.archived or action.endswith("archive")
            elif action == "mark_as_unread":
                message.state = "UNREAD"
            elif action in ("archive", "unarchive"):
                message.archived = action == "archive"
            else:
                raise StoreError(
                    "ERR_152",
                    f"Action {action} is not supported on message {message_id}",
                )
            message.updated = now
            return message

    def _seller_message(self, order, answered, values):
        from .fnac_store import StoreError

        text = (values.get("message_description") or "").strip()
        if not text:
            raise StoreError("ERR_151", "A message needs a message_description")
        subject = values.get("message_subject") or (
            answered.subject if answered else "other_question"
        )
        return self._add_message(
            order,
            "SELLER",
            text,
            subject,
            state="READ",
            to=values.get("message_to") or "CLIENT",
            reply_to=answered.message_id if answered else None,
        )

    # -- incidents -----------------------------------------------------------
    def open_incident(
        self, shop_id, order_id, reason, line_id=None, type=1, opened_by="client"
    ):
        """An incident opened on one line of an order (its first by
        default); ``reason``: the buyer's text; returns its id."""
        shop = self.shop(shop_id)
        with self.lock:
            order = self.find(order_id, shop)
            if line_id is None:
                if not order.lines:
                    raise ValueError(f"order {order_id} has no line")
                line_id = order.lines[0].line_id
            now = self.clock.now()
            self.message_counter += 1
            incident = Incident(
                incident_id=stable_uuid(
                    "fnac-incident", self.seed, shop.slot, self.message_counter
                ),
                shop_id=shop.shop_id,
                order_id=order.order_id,
                line_id=int(line_id),
                type=int(type),
                message=str(reason),
                created=now,
                updated=now,
                opened_by=opened_by,
            )
            self.incident_tables[shop.shop_id][incident.incident_id] = incident
            return incident.incident_id

    def close_incident(
        self, shop_id, incident_id, closed_status=1, closed_by="seller", refund=None
    ):
        """Close an incident (``refund``: product, shipping and fee amounts)."""
        shop = self.shop(shop_id)
        with self.lock:
            incident = self.incident_tables[shop.shop_id].get(incident_id)
            if incident is None:
                raise ValueError(f"unknown incident {incident_id!r}")
            now = self.clock.now()
            incident.status, incident.waiting = "CLOSED", False
            incident.closed_by, incident.closed_status = closed_by, int(closed_status)
            incident.closed_at = incident.updated = now
            if refund:
                incident.refund = {
                    key: Decimal(str(refund.get(key, "0")))
                    for key in ("product_amount", "shipping_amount", "fee_ht_amount")
                }
                incident.refund["created_at"] = now
            return incident_id

    def incident_list(self, shop):
        with self.lock:
            return list(self.incident_tables[shop.shop_id].values())
