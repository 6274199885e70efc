"""The Fnac client against the sandbox emulator, over real HTTP: settings,
the token (kept, shared, renewed once), the error mapping of the faults, the
paging token, secrets never in logs or messages."""

import logging
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from mphub.client import CAPABILITIES, Outcome
from mphub.errors import (
    AuthError,
    ConfigError,
    InvalidPayload,
    RemoteError,
    ThrottledError,
    TransientError,
)
from mphub.fnac import requests as fnac_requests
from mphub.fnac.answers import PageInfo, Walk
from mphub.fnac.client import FnacClient
from mphub.fnac.payload import NS
from mphub.sandbox.fnac_data import PARTNER_ID
from mphub.tokens import MemoryTokenStore

from .test_fnac_client_common import (
    DARTY_SHOP,
    FNAC_KEY,
    FNAC_SHOP,
    calls,
    make_client,
)


@pytest.fixture
def client(fnac_url):
    client = make_client(fnac_url)
    yield client
    client.close()


# -- settings ----------
def test_the_default_endpoint_is_fnacs_production_url():
    client = FnacClient(None, PARTNER_ID, FNAC_SHOP, FNAC_KEY)
    assert client.transport.base_url == "https://vendeur.fnac.com/api.php"
    assert client.status_batch_size == 25
    assert client.max_push_rows == 10000 and client.pushes_both
    assert not client.complete_offer_rows and not client.ships_per_delivery
    assert client.capabilities <= CAPABILITIES
    assert {"accept", "ship", "messages", "competitors"} <= client.capabilities


@pytest.mark.parametrize(
    ("partner", "shop", "key"),
    [
        ("not-a-uuid", FNAC_SHOP, FNAC_KEY),
        (PARTNER_ID, "", FNAC_KEY),
        (PARTNER_ID, FNAC_SHOP, "  "),
    ],
)
def test_settings_that_cannot_make_a_request_are_config_errors(partner, shop, key):
    with pytest.raises(ConfigError):
        FnacClient("http://127.0.0.1:1/api.php", partner, shop, key)


def test_pasted_credentials_are_stripped(fnac_url):
    client = make_client(fnac_url, partner_id=f" {PARTNER_ID}\n", key=f"{FNAC_KEY}\n")
    assert client.test_connection()["shop_id"] == FNAC_SHOP


# -- token ----------
def test_test_connection_authenticates_and_the_token_serves_every_call(fnac, client):
    info = client.test_connection()
    assert info["shop_id"] == FNAC_SHOP and info["partner_id"] == PARTNER_ID
    client.list_carriers()
    client.get_orders(["0000000000000"])
    assert calls(fnac, "auth") == 1


def test_clients_sharing_a_store_share_the_token(fnac, fnac_url):
    store = MemoryTokenStore()
    make_client(fnac_url, token_store=store).list_carriers()
    make_client(fnac_url, token_store=store).list_carriers()
    assert calls(fnac, "auth") == 1


def test_each_shop_has_its_own_token(fnac, fnac_url):
    store = MemoryTokenStore()
    make_client(fnac_url, token_store=store).list_carriers()
    make_client(fnac_url, shop=DARTY_SHOP, token_store=store).list_carriers()
    assert calls(fnac, "auth") == 2
    assert len(store._tokens) == 2


def test_an_expired_token_is_renewed_once_and_the_call_made_again(fnac, client):
    client.list_carriers()
    fnac.expire_tokens()
    assert client.list_carriers()
    assert calls(fnac, "auth") == 2
    assert calls(fnac, "carriers_query") == 3  # the refused one and its resend


def test_a_token_refused_again_is_an_auth_error(fnac, client):
    fnac.update_settings({"token_ttl": 0})  # every token is born expired
    with pytest.raises(AuthError) as info:
        client.list_carriers()
    assert "token" in str(info.value).lower()
    assert calls(fnac, "auth") == 2
    assert calls(fnac, "carriers_query") == 2


def test_refused_credentials_are_an_auth_error_without_the_key(fnac_url):
    wrong = "00000000-0000-4000-8000-000000000000"
    client = make_client(fnac_url, key=wrong)
    with pytest.raises(AuthError) as info:
        client.test_connection()
    assert FNAC_SHOP in str(info.value) and wrong not in str(info.value)


def test_a_key_of_another_shop_is_refused(fnac_url):
    client = make_client(fnac_url, shop=DARTY_SHOP, key=FNAC_KEY)
    with pytest.raises(AuthError):
        client.list_carriers()


def test_a_business_error_is_not_answered_with_a_new_token(fnac, client):
    """ERR_104 (more than 25 orders in orders_update) is the request's
    fault: raised at once, no new token asked for, nothing applied."""
    orders = [
        (
            f"{index:013X}",
            "accept_order",
            [{"order_detail_id": "1", "action": "Accepted"}],
        )
        for index in range(26)
    ]
    with pytest.raises(RemoteError) as info:
        client.api.post("orders_update", fnac_requests.orders_update(orders))
    assert info.value.code == "ERR_104"
    assert calls(fnac, "auth") == 1 and calls(fnac, "orders_update") == 1


# -- faults ----------
def test_a_429_is_throttled_with_its_delay(fnac, client):
    client.test_connection()
    fnac.set_faults({"rate_429": 1, "retry_after": 7})
    with pytest.raises(ThrottledError) as info:
        client.list_carriers()
    assert info.value.retry_after == 7


def test_a_5xx_is_transient(fnac, client):
    client.test_connection()
    fnac.set_faults({"rate_5xx": 1})
    with pytest.raises(TransientError) as info:
        client.list_carriers()
    assert info.value.status in (500, 502, 503)


def test_a_timeout_is_transient(fnac, fnac_url):
    client = make_client(fnac_url, timeout=0.5)
    client.test_connection()
    fnac.set_faults({"rate_timeout": 1, "timeout_seconds": 1.5})
    with pytest.raises(TransientError):
        client.list_carriers()


def test_a_cut_answer_is_transient(fnac, client):
    client.test_connection()
    fnac.set_faults({"rate_corrupt": 1})
    with pytest.raises(TransientError) as info:
        client.list_carriers()
    assert "XML" in str(info.value)


def test_expired_credentials_end_in_an_auth_error(fnac, client):
    client.test_connection()
    fnac.set_faults({"expired_credentials": True})
    with pytest.raises(AuthError):
        client.list_carriers()


TOKEN = "11111111-2222-4333-8444-555555555555"
STUB_ANSWERS = {
    "auth": f'<auth_response xmlns="{NS}" status="OK"><token>{TOKEN}</token>'
    "<validity>2099-01-01T00:00:00+01:00</validity></auth_response>",
    # ERROR with results: the results are read, not thrown away
    "orders_query": f'<orders_query_response xmlns="{NS}" status="ERROR">'
    '<error severity="ERROR" code="ERR_900">one order could not be read</error>'
    "<page>1</page><total_paging>1</total_paging><nb_total_per_page>100"
    "</nb_total_per_page><nb_total_result>2</nb_total_result>"
    "<order><order_id>ABCDEF0123456</order_id><state>Created</state></order>"
    "</orders_query_response>",
    # WARNING is a success
    "orders_update": f'<orders_update_response xmlns="{NS}" status="WARNING">'
    "<order><status>WARNING</status><order_id>ABCDEF0123456</order_id>"
    "<state>Accepted</state></order></orders_update_response>",
    # a well-formed answer of another service (a wrong URL)
    "carriers_query": f'<offers_query_response xmlns="{NS}" status="OK"/>',
}


class Stub(BaseHTTPRequestHandler):
    """A Fnac look-alike answering ``STUB_ANSWERS`` by service."""

    def do_POST(self):  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = STUB_ANSWERS[self.path.rsplit("/", 1)[-1]].encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def stub():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_an_error_answer_with_results_keeps_them(stub):
    client = make_client(stub)
    page = client.list_orders(datetime(2025, 1, 1, tzinfo=timezone.utc))
    assert [order["order_id"] for order in page.orders] == ["ABCDEF0123456"]
    assert page.next_page is None and page.total == 2


def test_a_warning_answer_is_a_success(stub):
    client = make_client(stub)
    assert client.accept_order("ABCDEF0123456", {"1": True}) == Outcome.DONE


def test_an_answer_of_another_service_is_refused(stub):
    """An endpoint that answers something else than ``<service>_response``
    (a wrong URL): a business error naming the URL, not a token problem."""
    client = make_client(stub)
    with pytest.raises(RemoteError) as info:
        client.list_carriers()
    assert info.value.code == "unexpected_answer"
    assert stub in str(info.value)


# -- secrets ----------
def test_the_key_and_tokens_never_reach_logs_or_messages(fnac, fnac_url, caplog):
    caplog.set_level(logging.DEBUG)
    client = make_client(fnac_url)
    seen = []
    client.api.recorder = lambda service, body: seen.append(body)
    client.test_connection()
    token = client.api.keeper.token()
    fnac.update_settings({"token_ttl": 0})
    fnac.expire_tokens()
    texts = []
    for call in (client.list_carriers, lambda: client.get_orders(["ABCDEF0123456"])):
        with pytest.raises(AuthError) as info:
            call()
        texts.append(str(info.value))
    fnac.set_faults({"rate_5xx": 1})
    with pytest.raises(TransientError) as info:
        client.list_carriers()
    texts.append(str(info.value))
    assert any(FNAC_KEY.encode() in body for body in seen)  # it was sent
    for text in [caplog.text, *texts]:
        assert FNAC_KEY not in text and token not in text


def test_every_request_goes_through_the_recorder(fnac_url):
    client = make_client(fnac_url)
    services = []
    client.api.recorder = lambda service, body: services.append(service)
    client.list_carriers()
    assert services == ["auth", "carriers_query"]


# -- the paging token (pure) ----------
BEGIN = datetime(2025, 3, 1, 8, tzinfo=timezone.utc)
END = datetime(2025, 3, 1, 9, 30, 0, 250000, tzinfo=timezone.utc)


def test_a_walk_goes_page_by_page_to_the_last_page():
    walk = Walk(1, BEGIN, END)
    second = walk.following(PageInfo(1, 3, 100, 250), 100, "test")
    assert (second.page, second.seen) == (2, 250)
    third = second.following(PageInfo(2, 3, 100, 250), 100, "test")
    assert third.page == 3
    assert third.following(PageInfo(3, 3, 100, 250), 100, "test") is None


def test_orders_leaving_the_window_make_the_walk_step_back():
    walk = Walk(3, BEGIN, END, seen=250)
    # 30 orders left before page 3 was read: the 30 after page 2 slid into
    # page 2's range
    back = walk.following(PageInfo(3, 3, 100, 220), 100, "test")
    assert (back.page, back.seen, back.ahead) == (2, 220, 3)
    # page 2 read again at the same total: page 3 needs no second read
    assert back.following(PageInfo(2, 3, 100, 220), 100, "test") is None
    far = walk.following(PageInfo(3, 2, 100, 100), 100, "test")
    assert (far.page, far.seen) == (1, 100)  # never before the first page


def test_a_step_back_goes_on_after_the_furthest_page_read():
    walk = Walk(1, BEGIN, END, seen=220, ahead=3)
    following = walk.following(PageInfo(1, 5, 100, 220), 100, "test")
    assert (following.page, following.ahead) == (4, 3)


def test_a_total_that_grows_never_steps_back_nor_raises_the_floor():
    walk = Walk(2, BEGIN, END, seen=200)
    following = walk.following(PageInfo(2, 3, 100, 260), 100, "test")
    assert (following.page, following.seen) == (3, 200)


def test_a_walk_token_round_trips_to_the_millisecond():
    walk = Walk(4, BEGIN, END, seen=321, ahead=6)
    token = walk.dump()
    assert token.split("|")[0] == "4" and token.endswith("|321|6")
    assert Walk.load(token, "test") == walk
    assert Walk.load(Walk(1, BEGIN, END).dump(), "test") == Walk(1, BEGIN, END)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "x|y|z|w|",
        "0|2025-03-01T08:00:00+00:00|2025-03-01T09:00:00+00:00||",
        "1|2025-03-01T08:00:00|2025-03-01T09:00:00+00:00||",
        "1|2025-03-01T08:00:00+00:00|2025-03-01T09:00:00+00:00|-3|",
        "1|2025-03-01T08:00:00+00:00|2025-03-01T09:00:00+00:00|",
        "2|a|b",
    ],
)
def test_a_token_that_is_not_ours_is_refused(token):
    with pytest.raises(InvalidPayload):
        Walk.load(token, "orders_query")
