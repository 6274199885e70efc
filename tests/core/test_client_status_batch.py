"""The batch verbs of mphub.client (``status_batch_size``, ``accept_orders``,
``ship_orders``): their defaults send the orders one by one, each order's
error kept as its own result."""

import pytest
from mphub.client import Outcome, Shipment
from mphub.errors import AuthError, NotFound, RemoteError, ThrottledError

from .test_client_interface import Minimal


class OneByOne(Minimal):
    """A client of single-order verbs only; ``answers``: order id -> the
    outcome or the error it answers."""

    def __init__(self, answers):
        self.answers = answers
        self.sent = []

    def _answer(self, verb, external_id, argument):
        self.sent.append((verb, external_id, argument))
        answer = self.answers.get(external_id, Outcome.DONE)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def accept_order(self, external_id, decisions, raw=None):
        return self._answer("accept", external_id, (decisions, raw))

    def ship_order(self, external_id, shipment):
        return self._answer("ship", external_id, shipment)


def test_one_order_per_call_by_default():
    assert OneByOne({}).status_batch_size == 1


def test_accept_orders_sends_each_order_and_keeps_its_error():
    refused = RemoteError("order is CANCELLED", status=400, code="BAD_STATE")
    client = OneByOne({"B": Outcome.ALREADY, "C": refused, "D": NotFound("D?")})
    items = [(order, {f"{order}-1": True}, {"id": order}) for order in "ABCD"]
    results = client.accept_orders(items)
    assert results == {
        "A": Outcome.DONE,
        "B": Outcome.ALREADY,
        "C": refused,
        "D": results["D"],
    }
    assert isinstance(results["D"], NotFound)
    assert client.sent[0] == ("accept", "A", ({"A-1": True}, {"id": "A"}))
    assert [order for _verb, order, _arg in client.sent] == list("ABCD")


def test_a_transient_error_leaves_the_rest_unsent():
    throttled = ThrottledError("429", retry_after=5)
    client = OneByOne({"B": throttled})
    shipment = Shipment(tracking_number="T1", carrier_code="DPD")
    results = client.ship_orders([(order, shipment, None) for order in "ABC"])
    # no call after the marketplace asked to wait: B and C wait with it
    assert [order for _verb, order, _arg in client.sent] == ["A", "B"]
    assert results == {"A": Outcome.DONE, "B": throttled, "C": throttled}


def test_an_error_of_the_whole_account_is_raised():
    client = OneByOne({"B": AuthError("key refused", status=401)})
    with pytest.raises(AuthError):
        client.accept_orders([(order, {}, None) for order in "ABC"])
