from datetime import datetime, timezone

import pytest
import requests
from mphub.http import (
    AUTH,
    NOT_FOUND,
    OK,
    REMOTE,
    THROTTLED,
    TRANSIENT,
    Verdict,
    mask_secrets,
    parse_retry_after,
    parse_xml,
    read_soap_fault,
    soap_classifier,
    status_classifier,
    xml_error_classifier,
)
from mphub.retry import backoff_seconds


def test_mask_secrets():
    assert mask_secrets("key=abcd1234 and abcd1234", ["abcd1234"]) == "key=*** and ***"
    assert mask_secrets("short ab", ["ab", None, ""]) == "short ab"


def test_parse_retry_after():
    assert parse_retry_after("12") == 12
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now=now) == 31


def test_backoff():
    assert backoff_seconds(3, retry_after=7) == 7
    assert backoff_seconds(1, retry_after=0) == 1
    delays = [backoff_seconds(n, base=10, cap=300, jitter=0) for n in range(1, 8)]
    assert delays == [10, 20, 40, 80, 160, 300, 300]
    assert 8 <= backoff_seconds(1, base=10, jitter=0.2) <= 12


# ----------------------------------------------------------------------
# XML and the classifiers (no HTTP: tests/sandbox/test_protocols.py runs
# them against emulators)
# ----------------------------------------------------------------------
def answer(status, body=b"", content_type="text/xml; charset=utf-8"):
    response = requests.Response()
    response.status_code = status
    response._content = body.encode() if isinstance(body, str) else body
    response.headers["Content-Type"] = content_type
    return response


def test_parse_xml_refuses_document_types():
    assert parse_xml(b"<a><b>1</b></a>").find("b").text == "1"
    assert parse_xml("<a/>").tag == "a"
    laughs = b'<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><x>&b;</x>'
    for bad in (laughs, b"<a>", b"", b"not xml"):
        with pytest.raises(ValueError):
            parse_xml(bad)


def test_the_default_classifier_is_the_status_rule():
    classify = status_classifier()
    body = '{"message": "no", "errors": [{"code": "E1"}]}'
    kinds = {
        status: classify(answer(status, body, "application/json")).kind
        for status in (200, 204, 304, 400, 401, 403, 404, 409, 429, 500, 501, 503)
    }
    assert kinds == {
        200: OK,
        204: OK,
        304: REMOTE,
        400: REMOTE,
        401: AUTH,
        403: AUTH,
        404: NOT_FOUND,
        409: REMOTE,
        429: THROTTLED,
        500: TRANSIENT,
        501: REMOTE,
        503: TRANSIENT,
    }
    assert classify(answer(409, body, "application/json")) == Verdict(
        REMOTE, "no", "E1"
    )


SOAP11 = (
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
    "<s:Fault><faultcode>s:Client</faultcode><faultstring>Bad SKU</faultstring>"
    "</s:Fault></s:Body></s:Envelope>"
)
SOAP12 = (
    '<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body>'
    "<e:Fault><e:Code><e:Value>e:Sender</e:Value><e:Subcode><e:Value>x:Token"
    "</e:Value></e:Subcode></e:Code><e:Reason><e:Text>Stale</e:Text></e:Reason>"
    "</e:Fault></e:Body></e:Envelope>"
)


def test_read_soap_fault():
    assert read_soap_fault(answer(500, SOAP11)) == ("s:Client", "Bad SKU")
    assert read_soap_fault(answer(400, SOAP12)) == ("x:Token", "Stale")
    not_faults = (
        SOAP11.replace("Fault", "Answer"),
        SOAP11.replace("schemas.xmlsoap.org", "example.com"),
        "<html><body>Service Unavailable</body></html>",
        "<not xml",
    )
    for body in not_faults:
        assert read_soap_fault(answer(500, body)) is None


def test_soap_classifier():
    classify = soap_classifier(auth_codes=("Token",), transient_codes=("Busy",))
    assert classify(answer(500, SOAP11)) == Verdict(REMOTE, "Bad SKU", "s:Client")
    assert classify(answer(400, SOAP12)).kind == AUTH
    busy = SOAP11.replace("s:Client", "s:Busy")
    assert classify(answer(500, busy)).kind == TRANSIENT
    # a fault with a status that is not SOAP's, and pages: the status rule
    assert classify(answer(503, SOAP11)).kind == TRANSIENT
    assert classify(answer(500, "<html>oops</html>", "text/html")).kind == TRANSIENT
    assert classify(answer(200, SOAP11)).kind == OK


def test_xml_error_classifier():
    classify = xml_error_classifier(auth_codes=("ERR_001",))
    error = '<r status="ERROR"><error code="ERR_9">Too many</error></r>'
    assert classify(answer(200, error)) == Verdict(REMOTE, "Too many", "ERR_9")
    assert classify(answer(200, error.replace("ERR_9", "ERR_001"))).kind == AUTH
    assert classify(answer(200, '<r status="FATAL"/>')) == Verdict(
        REMOTE, "status FATAL", None
    )
    for body in ('<r status="OK"/>', '<r status="WARNING"/>', "<r/>", "not xml", ""):
        assert classify(answer(200, body)).kind == OK, body
    assert classify(answer(502, error)).kind == TRANSIENT
    custom = xml_error_classifier(find_error=lambda root: ("bad", root.tag))
    assert custom(answer(200, "<r/>")) == Verdict(REMOTE, "bad", "r")
