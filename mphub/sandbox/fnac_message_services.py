"""The messages and incidents services of the Fnac Darty emulator:
messages_query, messages_update (MessagesUpdateService.xsd) and
incidents_query (the store: ``fnac_messages``).

messages_query: ``results_count`` default 100 (at most 500), ``paging``;
filters ANDed: ``date type=CreatedAt|UpdatedAt`` min/max (inclusive),
``message_type`` (every sandbox message is ORDER), ``message_archived``,
``message_state``, ``message_id``, ``order_fnac_id``, ``product_fnac_id``,
``offer_fnac_id``, ``offer_seller_id`` (of the order's lines),
``message_from_types/from_type``; ``sort_by`` CREATED_AT | UPDATED_AT with
``type`` ASC | DESC (default CREATED_AT ASC). ``messages_unread_result`` and
``messages_read_result`` count the messages the filters select.

incidents_query: ``paging``, ``results_count``; filters ``date
type=CreatedAt|UpdatedAt|ClosedAt``, ``status``, ``type``/``types``,
``incident_id``/``incidents_id``, ``closed_status``/``closed_statuses``,
``waiting_for_seller_answer``, ``opened_by``, ``closed_by``,
``order``/``orders`` (at most 50); ``sort_by`` ASC | DESC on creation.
"""

from .fnac_messages import MESSAGE_ACTIONS
from .fnac_requests import (
    child,
    children,
    date_windows,
    fail,
    in_window,
    page_number,
    page_of,
    page_size,
    sort_direction,
    text_of,
    texts,
)
from .fnac_store import StoreError
from .fnac_xml import answer, incident_el, message_el, message_result_el, paging_el

MAX_PAGE = 500
_INCIDENT_DATES = {
    "CreatedAt": "created",
    "UpdatedAt": "updated",
    "ClosedAt": "closed_at",
}


class FnacMessageServicesMixin:
    """messages_query, messages_update, incidents_query."""

    def _messages_query(self, request, shop):
        root = request.xml()
        size, page = page_size(root, MAX_PAGE), page_number(root)
        matches = self._message_matcher(root, shop)
        sort = child(root, "sort_by")
        field = (
            "updated"
            if sort is not None and text_of(sort) == "UPDATED_AT"
            else "created"
        )
        descending = sort is not None and sort_direction(sort.get("type")) == "DESC"
        with self.lock:
            selected = [m for m in self.store.message_list(shop) if matches(m)]
            selected.sort(
                key=lambda m: (getattr(m, field), m.message_id), reverse=descending
            )
            unread = sum(1 for message in selected if message.state == "UNREAD")
            items, total_paging = page_of(selected, page, size)
            body = (
                f"<messages_unread_result>{unread}</messages_unread_result>"
                f"<messages_read_result>{len(selected) - unread}</messages_read_result>"
                + paging_el(
                    page, total_paging, size, len(selected), with_per_page=False
                )
                + "".join(message_el(message) for message in items)
            )
        return answer("messages_query_response", "OK", body)

    def _message_matcher(self, root, shop):
        windows = date_windows(root)
        for kind, _low, _high in windows:
            if kind not in ("CreatedAt", "UpdatedAt"):
                raise fail(
                    "ERR_106", f"messages_query: date type {kind!r} is not supported"
                )
        filters = {
            name: set(texts(root, name))
            for name in (
                "message_type",
                "message_archived",
                "message_state",
                "message_id",
                "order_fnac_id",
            )
        }
        senders = set(texts(root, "from_type", "message_from_types")) - {""}
        line_filters = [
            (attribute, set(texts(root, name)))
            for name, attribute in (
                ("product_fnac_id", "product_fnac_id"),
                ("offer_fnac_id", "offer_fnac_id"),
                ("offer_seller_id", "sku"),
            )
        ]
        orders = shop.orders

        def matches(message):
            values = {
                "message_type": "ORDER",
                "message_archived": "TRUE" if message.archived else "FALSE",
                "message_state": message.state,
                "message_id": message.message_id,
                "order_fnac_id": message.order_id,
            }
            if any(
                wanted and values[name] not in wanted
                for name, wanted in filters.items()
            ):
                return False
            if senders and message.from_type not in senders:
                return False
            for kind, low, high in windows:
                moment = message.created if kind == "CreatedAt" else message.updated
                if not in_window(moment, low, high):
                    return False
            lines = orders[message.order_id].lines
            return all(
                not wanted or any(getattr(line, attribute) in wanted for line in lines)
                for attribute, wanted in line_filters
            )

        return matches

    def _messages_update(self, request, shop):
        results = []
        for element in children(request.xml(), "message"):
            message_id, action = element.get("id") or "", element.get("action") or ""
            values = {
                name: text_of(element, name)
                for name in (
                    "message_to",
                    "message_subject",
                    "message_description",
                    "message_type",
                )
            }
            errors = []
            if action not in MESSAGE_ACTIONS:
                errors.append(("ERR_152", f"Unknown message action {action!r}"))
            else:
                try:
                    self.store.update_message(shop, message_id, action, values)
                except StoreError as err:
                    errors.append((err.code, err.message))
            results.append((message_id, errors))
        if not results:
            raise fail("ERR_106", "messages_update: at least one message is required")
        failed = sum(1 for _id, errors in results if errors)
        status = (
            "OK" if not failed else "ERROR" if failed == len(results) else "WARNING"
        )
        body = "".join(
            message_result_el(message_id, errors) for message_id, errors in results
        )
        return answer("messages_update_response", status, body)

    def _incidents_query(self, request, shop):
        root = request.xml()
        size, page = page_size(root, MAX_PAGE), page_number(root)
        matches = _incident_matcher(root)
        descending = sort_direction(text_of(root, "sort_by")) == "DESC"
        with self.lock:
            selected = [i for i in self.store.incident_list(shop) if matches(i)]
            selected.sort(key=lambda i: (i.created, i.incident_id), reverse=descending)
            items, total_paging = page_of(selected, page, size)
            body = paging_el(page, total_paging, size, len(selected)) + "".join(
                incident_el(incident) for incident in items
            )
        return answer("incidents_query_response", "OK", body)


def _incident_matcher(root):
    windows = date_windows(root)
    for kind, _low, _high in windows:
        if kind not in _INCIDENT_DATES:
            raise fail("ERR_106", f"incidents_query: unknown date type {kind!r}")
    wanted = {
        "status": set(texts(root, "status")),
        "type": set(texts(root, "type", "types")),
        "incident_id": set(texts(root, "incident_id", "incidents_id")),
        "closed_status": set(texts(root, "closed_status", "closed_statuses")),
        "waiting": set(texts(root, "waiting_for_seller_answer")),
        "opened_by": set(texts(root, "opened_by")),
        "closed_by": set(texts(root, "closed_by")),
        "order": set(texts(root, "order", "orders", limit=50)),
    }

    def matches(incident):
        values = {
            "status": incident.status,
            "type": str(incident.type),
            "incident_id": incident.incident_id,
            "closed_status": str(incident.closed_status),
            "waiting": "TRUE" if incident.waiting else "FALSE",
            "opened_by": incident.opened_by,
            "closed_by": incident.closed_by,
            "order": incident.order_id,
        }
        if any(
            values_ and values[name] not in values_ for name, values_ in wanted.items()
        ):
            return False
        return all(
            in_window(getattr(incident, _INCIDENT_DATES[kind]), low, high)
            for kind, low, high in windows
        )

    return matches
