"""The Fnac Darty emulator's messages_query, messages_update and
incidents_query over real HTTP, every answer checked against its XSD."""

import pytest

from tests.sandbox.test_fnac_support import FNAC, FnacShop, errors, q


@pytest.fixture
def shop(fnac_url):
    shop = FnacShop(fnac_url)
    shop.auth()
    return shop


@pytest.fixture
def order_id(fnac):
    return fnac.create_orders(FNAC, 1)[0]


def messages(shop, inner="", **attributes):
    return shop.call("messages_query", inner, **attributes).findall(q("message"))


def reply(message_id, text, **fields):
    values = {"message_to": "CLIENT", "message_subject": "order_information", **fields}
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in values.items())
    inner += f"<message_description>{text}</message_description>"
    inner += "<message_type>ORDER</message_type>"
    return f'<message action="reply" id="{message_id}">{inner}</message>'


def test_a_buyers_message_is_an_order_message_from_the_client(shop, fnac, order_id):
    message_id = fnac.post_message(
        FNAC, order_id, "Où est mon colis ?", "shipping_information"
    )
    root = shop.call("messages_query")
    assert root.findtext(q("messages_unread_result")) == "1"
    assert root.findtext(q("messages_read_result")) == "0"
    (message,) = root.findall(q("message"))
    assert message.get("state") == "UNREAD" and message.get("archived") == "FALSE"
    assert message.findtext(q("message_id")) == message_id
    referer = message.find(q("message_referer"))
    assert (referer.get("type"), referer.text) == ("ORDER", order_id)
    assert message.find(q("message_from")).get("type") == "CLIENT"
    assert message.findtext(q("message_subject")) == "shipping_information"
    assert message.findtext(q("message_description")) == "Où est mon colis ?"
    assert shop.order(order_id).findtext(q("nb_messages")) == "1"


def test_a_system_message_has_no_message_from(shop, fnac, order_id):
    fnac.post_message(FNAC, order_id, "Commande remboursée", from_type="SYSTEM")
    fnac.post_message(FNAC, order_id, "Le client attend", from_type="CALLCENTER")
    system, callcenter = messages(shop)
    assert system.find(q("message_from")) is None
    assert callcenter.find(q("message_from")).get("type") == "CALLCENTER"


def test_a_reply_is_stored_as_the_sellers_message(shop, fnac, order_id):
    message_id = fnac.post_message(FNAC, order_id, "Quand ?")
    root = shop.call("messages_update", reply(message_id, "Demain matin"))
    assert root.get("status") == "OK"
    (result,) = root.findall(q("message"))
    assert (result.get("status"), result.get("id")) == ("OK", message_id)
    (sent,) = fnac.replies(FNAC, order_id)
    assert sent["reply_to"] == message_id and sent["body"] == "Demain matin"
    assert sent["to"] == "CLIENT"
    answered = messages(shop, f"<message_id>{message_id}</message_id>")[0]
    assert answered.get("state") == "READ"
    assert answered.findtext(q("answer")) == "Demain matin"
    assert answered.findtext(q("answer_at"))
    sellers = messages(
        shop, "<message_from_types><from_type>SELLER</from_type></message_from_types>"
    )
    assert [m.find(q("message_from")).get("type") for m in sellers] == ["SELLER"]


def test_an_empty_reply_or_an_unknown_message_is_a_per_message_error(
    shop, fnac, order_id
):
    message_id = fnac.post_message(FNAC, order_id, "Allô ?")
    body = reply(message_id, "") + '<message action="archive" id="nope"/>'
    root = shop.call("messages_update", body)
    assert root.get("status") == "ERROR"
    assert [errors(m)[0][0] for m in root.findall(q("message"))] == [
        "ERR_151",
        "ERR_150",
    ]
    assert fnac.replies(FNAC, order_id) == []


def test_read_archive_and_the_filters(shop, fnac, order_id):
    first = fnac.post_message(FNAC, order_id, "Un")
    second = fnac.post_message(FNAC, order_id, "Deux")
    body = (
        f'<message action="mark_as_read_and_archive" id="{first}"/>'
        f'<message action="mark_as_read" id="{second}"/>'
    )
    assert shop.call("messages_update", body).get("status") == "OK"
    archived = messages(shop, "<message_archived>TRUE</message_archived>")
    assert [m.findtext(q("message_id")) for m in archived] == [first]
    assert messages(shop, "<message_state>UNREAD</message_state>") == []
    shop.call("messages_update", f'<message action="unarchive" id="{first}"/>')
    assert messages(shop, "<message_archived>TRUE</message_archived>") == []
    newest = messages(shop, '<sort_by type="DESC">UPDATED_AT</sort_by>')
    assert newest[0].findtext(q("message_id")) == first
    other = fnac.create_orders(FNAC, 1)[0]
    fnac.post_message(FNAC, other, "Trois")
    by_order = messages(shop, f"<order_fnac_id>{other}</order_fnac_id>")
    assert [m.findtext(q("message_description")) for m in by_order] == ["Trois"]


def test_updated_at_window_finds_a_changed_message(shop, fnac, order_id):
    message_id = fnac.post_message(FNAC, order_id, "Un")
    (message,) = messages(shop)
    since = message.findtext(q("updated_at"))
    window = f'<date type="UpdatedAt"><min>{since}</min></date>'
    assert len(messages(shop, window)) == 1
    shop.call("messages_update", f'<message action="mark_as_read" id="{message_id}"/>')
    assert messages(shop, window)[0].get("state") == "READ"


def test_messages_paging(shop, fnac, order_id):
    for n in range(5):
        fnac.post_message(FNAC, order_id, f"Message {n}")
    root = shop.call("messages_query", "<paging>2</paging>", results_count=2)
    assert root.findtext(q("total_paging")) == "3"
    assert root.findtext(q("nb_total_result")) == "5"
    texts = [m.findtext(q("message_description")) for m in root.findall(q("message"))]
    assert texts == ["Message 2", "Message 3"]


def test_generated_orders_carry_messages_when_asked(shop, fnac):
    fnac.create_orders(FNAC, 40, message_share=0.5)
    found = messages(shop, results_count=100)
    assert 10 < len(found) < 30
    assert {m.find(q("message_from")).get("type") for m in found} <= {
        "CLIENT",
        "CALLCENTER",
    }


# -- incidents -------------------------------------------------------------------------
def test_incidents_opened_and_closed(shop, fnac, order_id):
    opened = fnac.open_incident(FNAC, order_id, "Colis non reçu")
    closed = fnac.open_incident(FNAC, order_id, "Article abîmé", type=3)
    fnac.close_incident(
        FNAC,
        closed,
        refund={
            "product_amount": "12.50",
            "shipping_amount": "2.99",
            "fee_ht_amount": "1.20",
        },
    )
    root = shop.call("incidents_query")
    assert root.findtext(q("nb_total_result")) == "2"
    by_id = {i.get("id"): i for i in root.findall(q("incident"))}
    header = by_id[opened].find(q("header"))
    assert header.findtext(q("status")) == "OPENED"
    assert header.findtext(q("waiting_for_seller_answer")) == "TRUE"
    assert header.findtext(q("message")) == "Colis non reçu"
    assert header.findtext(q("order_id")) == order_id
    detail = (
        by_id[closed].find(q("order_details_incident")).find(q("order_detail_incident"))
    )
    assert detail.findtext(q("type")) == "3"
    assert (
        detail.find(q("refunds")).find(q("refund")).findtext(q("product_amount"))
        == "12.50"
    )
    still_open = shop.call("incidents_query", "<status>OPENED</status>").findall(
        q("incident")
    )
    assert [i.get("id") for i in still_open] == [opened]
    waiting = shop.call(
        "incidents_query",
        "<waiting_for_seller_answer>FALSE</waiting_for_seller_answer>",
    ).findall(q("incident"))
    assert [i.get("id") for i in waiting] == [closed]
    by_order = shop.call(
        "incidents_query", f"<orders><order>{order_id}</order></orders>"
    )
    assert by_order.findtext(q("nb_total_result")) == "2"
