"""Fnac Darty messages, incidents and offers_query records mapped to the
canonical ``CustomerMessage`` and ``Listing``."""

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from mphub.errors import InvalidPayload
from mphub.fnac.mapping_messages import map_incident, map_message, plain_body
from mphub.fnac.mapping_offers import listing_parts, map_listing

from tests.core import fnac_samples as s


def test_a_buyer_message_on_an_order_expects_a_reply():
    message = map_message(s.message())
    assert message.external_id == "5f0c2e3b-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
    assert message.extra["message_id"] == message.external_id
    assert (message.kind, message.author) == ("message", "customer")
    assert message.order_external_id == s.ORDER_ID
    assert message.subject == "Question sur ma commande"
    assert message.body == "Bonjour,\nquand partira mon colis ?"
    assert (message.reply_expected, message.answered) == (True, False)
    assert message.state == "UNREAD"
    assert message.created_at == datetime(2025, 3, 2, 7, 30, tzinfo=timezone.utc)
    assert message.extra["from_name"] == "Jeanne M."
    assert message.raw == s.message()


@pytest.mark.parametrize(
    ("author", "expected", "reply"),
    [
        ("CLIENT", "customer", True),
        ("CALLCENTER", "operator", True),
        ("SELLER", "seller", False),
        ("SYSTEM", "system", False),
        (None, "system", False),  # Fnac's notices come without message_from
    ],
)
def test_the_author_decides_whether_a_reply_is_expected(author, expected, reply):
    message = map_message(s.message(author=author))
    assert (message.author, message.reply_expected) == (expected, reply)


def test_a_sender_without_type_is_taken_as_the_buyer():
    message = map_message(s.message(author=None, message_from="Jeanne M."))
    assert (message.author, message.reply_expected) == ("customer", True)


def test_archived_or_answered_messages_expect_no_reply():
    archived = map_message(s.message(archived="TRUE", state="READ"))
    assert (archived.reply_expected, archived.extra["archived"]) == (False, True)
    assert archived.state == "READ"
    answered = map_message(
        s.message(
            answer="Expédié ce jour.",
            answer_at="2025-03-02T10:00:00+01:00",
            updated_at="2025-03-02T10:00:00+01:00",
        )
    )
    assert (answered.answered, answered.reply_expected) == (True, False)
    assert answered.extra["answer"] == "Expédié ce jour."
    assert answered.updated_at == datetime(2025, 3, 2, 9, 0, tzinfo=timezone.utc)


def test_a_message_about_an_offer_has_no_order():
    raw = s.message(message_referer=({"type": "OFFER"}, s.OFFER_ID))
    message = map_message(raw)
    assert message.order_external_id is None
    assert (message.extra["referer_type"], message.extra["referer"]) == (
        "OFFER",
        s.OFFER_ID,
    )


def test_a_message_without_id_or_date_is_refused_with_every_reason():
    raw = s.message(
        message_id="", created_at="", message_description="", message_subject=""
    )
    with pytest.raises(InvalidPayload) as caught:
        map_message(raw)
    assert caught.value.reasons == [
        "message.message_id: blank: ''",
        "message.created_at: missing",
        "message.message_description: missing (and no subject)",
    ]
    with pytest.raises(InvalidPayload):
        map_message("not a message")


def test_an_unknown_sender_type_is_refused():
    with pytest.raises(InvalidPayload) as caught:
        map_message(s.message(author="ROBOT"))
    assert caught.value.reasons == ["message.message_from: unknown sender type 'ROBOT'"]


def test_bodies_are_plain_text():
    assert (
        plain_body("Bonjour<br>à <b>vous</b>\x00 !<BR />Merci")
        == "Bonjour\nà vous !\nMerci"
    )
    assert plain_body("a < b and c > d") == "a < b and c > d"
    assert plain_body(None) == ""


def test_an_opened_incident_expects_a_reply():
    incident = map_incident(s.incident())
    assert incident.external_id == "incident:9b2f1e0a-4c3d-4e5f-8a7b-6c5d4e3f2a1b"
    assert incident.extra["incident_id"] == "9b2f1e0a-4c3d-4e5f-8a7b-6c5d4e3f2a1b"
    assert (incident.kind, incident.author) == ("incident", "customer")
    assert incident.order_external_id == s.ORDER_ID
    assert incident.subject == "Article not received"
    assert incident.body == "Je n'ai pas reçu mon colis."
    assert (incident.reply_expected, incident.answered, incident.state) == (
        True,
        False,
        "OPENED",
    )
    assert incident.extra["lines"] == ["1"]


def test_a_closed_incident_or_one_not_waiting_for_the_seller_expects_none():
    closed = map_incident(
        s.element_to_json(
            s.incident_element(
                status="CLOSED",
                waiting_for_seller_answer="FALSE",
                closed_by="seller",
                closed_status="10",
                closed_at="2025-03-09T09:00:00+01:00",
            ),
            s.INCIDENT_LISTS,
        )
    )
    assert (closed.reply_expected, closed.answered, closed.state) == (
        False,
        False,
        "CLOSED",
    )
    assert closed.extra["closed_status"] == "Refund"
    answered = map_incident(
        s.element_to_json(
            s.incident_element(waiting_for_seller_answer="FALSE"), s.INCIDENT_LISTS
        )
    )
    assert (answered.reply_expected, answered.answered) == (False, True)


def test_an_incident_opened_by_the_call_centre_and_without_id():
    raw = s.element_to_json(
        s.incident_element(opened_by="call-center"), s.INCIDENT_LISTS
    )
    del raw["@id"]
    incident = map_incident(raw)
    assert incident.author == "operator"
    assert incident.external_id == f"incident:{s.ORDER_ID}:2025-03-08T08:00:00+00:00"


def test_an_incident_without_header_is_refused():
    with pytest.raises(InvalidPayload) as caught:
        map_incident({"@id": "x"})
    assert caught.value.reasons == ["incident.header: missing"]
    raw = s.element_to_json(
        s.incident_element(order_id="", created_at=""), s.INCIDENT_LISTS
    )
    with pytest.raises(InvalidPayload) as caught:
        map_incident(raw)
    assert caught.value.reasons == [
        "incident.header.order_id: blank: ''",
        "incident.header.created_at: missing",
    ]


def test_an_offer_record_is_a_listing():
    listing = map_listing(s.offer())
    assert (listing.sku, listing.external_id) == ("MPH-0001", s.OFFER_ID)
    assert (listing.price, listing.quantity) == (Decimal("19.90"), 12)
    assert (listing.currency, listing.condition, listing.active) == ("EUR", "11", True)
    assert (listing.marketplace_product_id, listing.title) == (
        "1234567",
        "Mug design 1",
    )
    assert listing.eans == ()
    assert map_listing(s.offer(quantity="0")).active is True


def test_an_unreadable_offer_is_refused_and_its_parts_read():
    raw = s.offer(offer_seller_id="", price="", quantity="lots")
    with pytest.raises(InvalidPayload) as caught:
        map_listing(raw)
    assert caught.value.reasons == [
        "offer.offer_seller_id: blank: ''",
        "offer.quantity: expected a whole number, got 'lots'",
        "offer.price: empty",
    ]
    parts = listing_parts(raw)
    assert (parts.sku, parts.external_id, parts.title) == (
        "",
        s.OFFER_ID,
        "Mug design 1",
    )
    assert listing_parts(["junk"]).sku == ""
