"""The Fnac client's buyers' messages and incidents against the emulator,
over real HTTP: messages_query then incidents_query pages, each record
mapped, replies through messages_update (once: a lost answer is ALREADY)."""

import pytest
from mphub.client import Outcome
from mphub.errors import RemoteError

from .test_fnac_client_common import FNAC_SHOP, LONG_AGO, calls, catch_up, make_client


@pytest.fixture
def client(fnac_url):
    client = make_client(fnac_url)
    yield client
    client.close()


def every_message(client, since=LONG_AGO):
    messages, tokens, invalid = [], [], []
    page = None
    while True:
        result = client.list_messages(since, page)
        messages += result.messages
        invalid += result.invalid
        page = result.next_page
        tokens.append(page)
        if not page:
            return messages, tokens, invalid


def message(client, external_id):
    """The message ``external_id`` as a walk of every message reads it."""
    messages, _tokens, _invalid = every_message(client)
    return next(m for m in messages if m.external_id == external_id)


@pytest.fixture
def conversation(fnac):
    """Three orders: a buyer's message, an operator's and a notice on the
    second, an incident on the third."""
    ids = fnac.create_orders(FNAC_SHOP, 3)
    posted = {
        "buyer": fnac.post_message(
            FNAC_SHOP, ids[0], "Where is my parcel?", "Livraison"
        ),
        "operator": fnac.post_message(
            FNAC_SHOP, ids[1], "Please call the buyer", from_type="CALLCENTER"
        ),
        "notice": fnac.post_message(FNAC_SHOP, ids[1], "Shipped", from_type="SYSTEM"),
    }
    fnac.open_incident(FNAC_SHOP, ids[2], "Article not received")
    catch_up(fnac)
    return ids, posted


def test_messages_then_incidents_come_as_customer_messages(fnac, client, conversation):
    ids, posted = conversation
    messages, tokens, invalid = every_message(client)
    assert invalid == [] and tokens[0].startswith("incidents|") and tokens[-1] is None
    by_id = {message.external_id: message for message in messages}
    buyer = by_id[posted["buyer"]]
    assert (buyer.kind, buyer.author, buyer.order_external_id) == (
        "message",
        "customer",
        ids[0],
    )
    assert (
        buyer.reply_expected
        and not buyer.answered
        and buyer.body == "Where is my parcel?"
    )
    assert by_id[posted["operator"]].author == "operator"
    notice = by_id[posted["notice"]]
    assert notice.author == "system" and not notice.reply_expected
    (incident,) = [message for message in messages if message.kind == "incident"]
    assert incident.order_external_id == ids[2] and incident.reply_expected
    assert calls(fnac, "messages_query") == 1 and calls(fnac, "incidents_query") == 1


def test_messages_page_by_page(fnac, client, conversation, monkeypatch):
    monkeypatch.setattr("mphub.fnac.messages_api.MESSAGE_PAGE_SIZE", 2)
    messages, tokens, _invalid = every_message(client)
    assert len(messages) == 4  # 3 messages, 1 incident
    assert [token.split("|")[0] if token else None for token in tokens] == [
        "messages",
        "incidents",
        None,
    ]
    assert calls(fnac, "messages_query") == 2


def test_a_window_starting_later_holds_nothing_older(fnac, client, conversation):
    catch_up(fnac)
    later = fnac.clock.now()
    catch_up(fnac)
    messages, _tokens, _invalid = every_message(client, since=later)
    assert messages == []


def test_a_reply_reaches_the_buyer_once(fnac, client, conversation):
    ids, posted = conversation
    buyer = message(client, posted["buyer"])
    assert client.reply_message(buyer, "It left yesterday.") == Outcome.DONE
    (reply,) = fnac.replies(FNAC_SHOP, ids[0])
    assert (reply["reply_to"], reply["to"], reply["body"]) == (
        posted["buyer"],
        "CLIENT",
        "It left yesterday.",
    )
    # the answer of the first attempt was lost: the same reply is not sent again
    assert client.reply_message(buyer, " It left\nyesterday. ") == Outcome.ALREADY
    assert len(fnac.replies(FNAC_SHOP, ids[0])) == 1
    catch_up(fnac)
    answered = message(client, posted["buyer"])
    assert answered.answered and not answered.reply_expected
    messages, _tokens, _invalid = every_message(client)
    assert any(m.author == "seller" for m in messages)


def test_a_reply_to_the_operator_goes_to_the_call_centre(fnac, client, conversation):
    ids, posted = conversation
    operator = message(client, posted["operator"])
    assert client.reply_message(operator, "Done.") == Outcome.DONE
    (reply,) = fnac.replies(FNAC_SHOP, ids[1])
    assert reply["to"] == "CALLCENTER"


def test_a_reply_to_an_incident_writes_on_its_order(fnac, client, conversation):
    ids, _posted = conversation
    messages, _tokens, _invalid = every_message(client)
    (incident,) = [m for m in messages if m.kind == "incident"]
    assert client.reply_message(incident, "We are looking into it.") == Outcome.DONE
    (reply,) = fnac.replies(FNAC_SHOP, ids[2])
    assert reply["body"] == "We are looking into it." and reply["to"] == "CLIENT"


def test_an_empty_reply_is_refused_before_sending(fnac, client, conversation):
    messages, _tokens, _invalid = every_message(client)
    with pytest.raises(RemoteError):
        client.reply_message(messages[0], "  \n ")
    assert calls(fnac, "messages_update") == 0
