"""Buyers' messages and incidents on Fnac: messages_query, incidents_query,
messages_update.

- ``list_messages(updated_since, page)`` walks messages_query (messages
  updated since then, oldest change first), then incidents_query (same
  window), both paged as orders are (``answers.Walk``: the window's end
  fixed on the first page, a step back when records left it). The page
  token says which: ``messages|<walk>`` or ``incidents|<walk>``. Each record
  is read by the mapping (``mapping_messages``): one it cannot read goes to
  ``MessagePage.invalid`` with its reasons.
- ``reply_message(message, body)``: a message gets ``action="reply"`` on its
  id, to the call centre when the operator wrote it, else to the buyer; an
  incident (no message to reply to) a new message (``action="create"``) on
  its order. Before replying to a message, the message is read again: when
  Fnac already holds this answer (an earlier attempt whose answer was
  lost), the reply is ``ALREADY`` and not sent twice.
"""

from ..client import Outcome
from ..errors import InvalidPayload, RemoteError
from ..messages import MessagePage
from ..tokens import utc_now
from . import requests
from .answers import Walk, page_info
from .mapping_messages import map_incident, map_message, plain_body
from .payload import INCIDENT_LISTS, MESSAGE_LISTS
from .xmlapi import UUID, aware, describe, errors_of, items, text_of

MESSAGE_PAGE_SIZE = 100
SOURCES = {
    # source: (service, record tag, list tags, mapper)
    "messages": ("messages_query", "message", MESSAGE_LISTS, map_message),
    "incidents": ("incidents_query", "incident", INCIDENT_LISTS, map_incident),
}
REQUESTS = {"messages": requests.messages_query, "incidents": requests.incidents_query}


def _load(page):
    source, _bar, rest = str(page).partition("|")
    if source not in SOURCES:
        raise InvalidPayload(
            f"messages: page {str(page)[:80]!r} is not a page of this client"
        )
    return source, Walk.load(rest, SOURCES[source][0])


def _same_text(left, right):
    return " ".join(plain_body(left).split()) == " ".join(plain_body(right).split())


class FnacMessagesMixin:
    """Message verbs of ``FnacClient`` (needs ``_post``)."""

    def list_messages(self, updated_since, page=None):
        if page:
            source, walk = _load(page)
        else:
            source, walk = "messages", Walk(1, aware(updated_since), utc_now())
        service, tag, lists, mapper = SOURCES[source]
        root = REQUESTS[source](walk.page, MESSAGE_PAGE_SIZE, walk.begin, walk.end)
        doc = self._post(service, root, (*lists, tag))
        messages, invalid = [], []
        for raw in items(doc.get(tag)):
            try:
                messages.append(mapper(raw))
            except InvalidPayload as err:
                invalid.append((raw, "; ".join(err.reasons)))
        following = walk.following(page_info(doc), MESSAGE_PAGE_SIZE, service)
        if following is not None:
            next_page = f"{source}|{following.dump()}"
        elif source == "messages":
            next_page = f"incidents|{Walk(1, walk.begin, walk.end).dump()}"
        else:
            next_page = None
        return MessagePage(messages=messages, next_page=next_page, invalid=invalid)

    def reply_message(self, message, body):
        text = plain_body(body)
        if not text:
            raise RemoteError("the reply is empty: nothing to send to Fnac")
        if message.kind == "incident":
            if not message.order_external_id:
                raise RemoteError(
                    f"incident {message.external_id}: no order to write to on Fnac"
                )
            action, target = "create", message.order_external_id
        else:
            target = str(message.extra.get("message_id") or message.external_id)
            if self._answered_with(target, text):
                return Outcome.ALREADY
            action = "reply"
        root = requests.messages_update(
            action,
            target,
            to="CALLCENTER" if message.author == "operator" else "CLIENT",
            subject="order_information"
            if message.order_external_id
            else "other_question",
            body=text,
            kind="ORDER" if message.order_external_id else "OFFER",
        )
        doc = self._post("messages_update", root, ("message", "error"))
        results = items(doc.get("message"))
        failed = [
            result
            for result in results
            if (result.get("@status") or "").strip().upper() in ("ERROR", "FATAL")
        ]
        if failed or (not results and (doc.get("@status") or "").upper() == "ERROR"):
            errors = [error for result in failed for error in errors_of(result)]
            raise RemoteError(
                f"messages_update: Fnac refused the reply to {message.external_id}: "
                f"{describe(errors or errors_of(doc))}",
                code=next((code for code, _text in errors if code), None),
            )
        return Outcome.DONE

    def _answered_with(self, message_id, text):
        """Whether Fnac shows ``text`` as the answer of the message
        ``message_id`` already (a message id that is not a uuid cannot be
        asked for: then no)."""
        if not UUID.fullmatch(message_id):
            return False
        root = requests.messages_query(1, 1, message_id=message_id)
        doc = self._post("messages_query", root, (*MESSAGE_LISTS, "message"))
        for raw in items(doc.get("message")):
            if text_of(raw.get("message_id")) == message_id and _same_text(
                raw.get("answer") or "", text
            ):
                return True
        return False
