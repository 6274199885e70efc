"""The sandbox framework's SOAP and XML-over-POST protocols, over real HTTP.

Two small emulators of this file's own stand on the framework: a SOAP stock
service (token in a SOAP header, as WCF services do) and an XML-over-POST one
(root element names the service, token in a root attribute, as Fnac does).
zeep is the SOAP client; the core's ``HttpTransport`` reads both through its
classifiers.
"""

import xml.etree.ElementTree as ET

import pytest
import requests
import zeep
import zeep.exceptions
from mphub.errors import (
    AuthError,
    RemoteError,
    ThrottledError,
    TransientError,
)
from mphub.http import (
    HttpTransport,
    parse_xml,
    read_soap_fault,
    soap_classifier,
    xml_error_classifier,
)
from mphub.sandbox.protocols import (
    SOAP_ENVELOPES,
    Fault,
    Soap,
    XmlPost,
    find_text,
    soap_answer,
    soap_body,
    soap_header,
    xml_answer,
)
from mphub.sandbox.server import Emulator, EmulatorServer, HttpError

NS = "urn:mphub:test:stock"
ACTIONS = f"{NS}/IStock/"
DIALOG = "urn:mphub:test:dialog"
TOKENS = {"token-a": "shop A", "token-b": "shop B"}
COUNTS = {"calls": 0, "429": 0, "5xx": 0, "timeout": 0, "corrupt": 0, "401": 0}


def counts(**values):
    return {**COUNTS, **values}


# ----------------------------------------------------------------------
# the SOAP test emulator
# ----------------------------------------------------------------------
class StockEmulator(Emulator):
    """The store of both test emulators: one SKU in stock."""

    def __init__(self, **kwargs):
        self.stock = {}
        super().__init__(**kwargs)
        self.reset_store()

    def reset_store(self):
        self.stock = {"MUG": 7}

    def known(self, sku, error):
        """``sku``, if it is in stock; else raises ``error``."""
        with self.lock:
            if sku not in self.stock:
                raise error
        return sku


class StockSoap(Soap):
    """The API's own fault for a refused token (as Cdiscount's)."""

    def fault(self, err):
        if err.status == 401:
            return Fault("s:RequestTokenValidationError", "Token id is not valid.")
        return super().fault(err)


class SoapStock(StockEmulator):
    """GetStock and SetStock on one SOAP endpoint; the token travels in the
    SOAP header (``Security/TokenId``)."""

    name = "soapstock"

    def register_routes(self):
        soap = StockSoap(namespace=NS, action_base=ACTIONS)
        self.route("POST", "/Stock.svc", "GetStock", self.get_stock, protocol=soap)
        self.route("POST", "/Stock.svc", "SetStock", self.set_stock, protocol=soap)

    def caller_key(self, request):
        return find_text(soap_header(request), "Security", "TokenId") or ""

    def authenticate(self, request):
        shop = TOKENS.get(request.caller_key)
        if shop is None:
            raise HttpError(401, "Unauthorized")
        return shop

    def _sku(self, element):
        sku = find_text(element, "Sku")
        error = HttpError(400, f"Unknown SKU {sku}", errors=[{"code": "UnknownSku"}])
        return self.known(sku, error)

    def get_stock(self, request, shop):
        quantity = self.stock[self._sku(soap_body(request))]
        return soap_answer(
            request,
            f'<GetStockResponse xmlns="{NS}"><Quantity>{quantity}</Quantity>'
            "</GetStockResponse>",
        )

    def set_stock(self, request, shop):
        element = soap_body(request)
        sku = self._sku(element)
        with self.lock:
            self.stock[sku] = int(find_text(element, "Quantity"))
        answer = ET.Element(f"{{{NS}}}SetStockResponse")
        ET.SubElement(answer, f"{{{NS}}}Done").text = "true"
        return soap_answer(request, answer)


WSDL = f"""<?xml version="1.0" encoding="utf-8"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tns="{NS}" targetNamespace="{NS}">
  <wsdl:types>
    <xs:schema targetNamespace="{NS}" elementFormDefault="qualified">
      <xs:element name="Security"><xs:complexType><xs:sequence>
        <xs:element name="TokenId" type="xs:string"/>
      </xs:sequence></xs:complexType></xs:element>
      <xs:element name="GetStock"><xs:complexType><xs:sequence>
        <xs:element name="Sku" type="xs:string"/>
      </xs:sequence></xs:complexType></xs:element>
      <xs:element name="GetStockResponse"><xs:complexType><xs:sequence>
        <xs:element name="Quantity" type="xs:int"/>
      </xs:sequence></xs:complexType></xs:element>
    </xs:schema>
  </wsdl:types>
  <wsdl:message name="GetStockIn">
    <wsdl:part name="parameters" element="tns:GetStock"/>
  </wsdl:message>
  <wsdl:message name="GetStockOut">
    <wsdl:part name="parameters" element="tns:GetStockResponse"/>
  </wsdl:message>
  <wsdl:message name="SecurityHeader">
    <wsdl:part name="security" element="tns:Security"/>
  </wsdl:message>
  <wsdl:portType name="IStock">
    <wsdl:operation name="GetStock">
      <wsdl:input message="tns:GetStockIn"/>
      <wsdl:output message="tns:GetStockOut"/>
    </wsdl:operation>
  </wsdl:portType>
  <wsdl:binding name="StockBinding" type="tns:IStock">
    <soap:binding transport="http://schemas.xmlsoap.org/soap/http"
        style="document"/>
    <wsdl:operation name="GetStock">
      <soap:operation soapAction="{ACTIONS}GetStock" style="document"/>
      <wsdl:input>
        <soap:header message="tns:SecurityHeader" part="security" use="literal"/>
        <soap:body use="literal"/>
      </wsdl:input>
      <wsdl:output><soap:body use="literal"/></wsdl:output>
    </wsdl:operation>
  </wsdl:binding>
</wsdl:definitions>
"""


@pytest.fixture
def soap():
    server = EmulatorServer(SoapStock(seed=3)).start()
    yield server
    server.stop()


def envelope(operation, token="token-a", version="1.1"):
    """A SOAP request: ``operation`` is the Body's XML."""
    header = ""
    if token is not None:
        header = (
            f'<s:Header><Security xmlns="{NS}"><TokenId>{token}</TokenId>'
            "</Security></s:Header>"
        )
    return (
        f'<s:Envelope xmlns:s="{SOAP_ENVELOPES[version]}">{header}'
        f"<s:Body>{operation}</s:Body></s:Envelope>"
    ).encode()


def get_stock(sku="MUG"):
    return f'<GetStock xmlns="{NS}"><Sku>{sku}</Sku></GetStock>'


def set_stock(sku="MUG", quantity=3):
    return (
        f'<SetStock xmlns="{NS}"><Sku>{sku}</Sku>'
        f"<Quantity>{quantity}</Quantity></SetStock>"
    )


def soap_headers(action=None, version="1.1"):
    """HTTP headers of a SOAP call; ``action`` None sends none (1.2) or an
    empty SOAPAction (1.1)."""
    if version == "1.1":
        return {
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": f'"{action}"' if action else '""',
        }
    action = f'; action="{action}"' if action else ""
    return {"Content-Type": f"application/soap+xml; charset=utf-8{action}"}


def soap_post(server, body, action=None, version="1.1", content_type=None):
    headers = soap_headers(action, version)
    if content_type:
        headers["Content-Type"] = content_type
    return requests.post(
        server.url + "/Stock.svc", data=body, headers=headers, timeout=5
    )


def fault_of(response):
    """``(code, reason)`` of a SOAP Fault answer, read by the core."""
    fault = read_soap_fault(response)
    assert fault is not None, response.text
    return fault


# ----------------------------------------------------------------------
# SOAP: resolution
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("version", "action", "body", "operation", "answer"),
    [
        ("1.1", f"{ACTIONS}GetStock", get_stock(), "GetStock", "Quantity"),
        ("1.1", None, get_stock(), "GetStock", "Quantity"),  # SOAPAction ""
        ("1.2", f"{ACTIONS}SetStock", set_stock(), "SetStock", "Done"),
        ("1.2", None, set_stock(), "SetStock", "Done"),  # no action parameter
    ],
)
def test_soap_operation_is_resolved_by_action_or_body(
    soap, version, action, body, operation, answer
):
    response = soap_post(soap, envelope(body, version=version), action, version)
    assert response.status_code == 200, response.text
    media = "text/xml" if version == "1.1" else "application/soap+xml"
    assert response.headers["Content-Type"].startswith(media)
    root = parse_xml(response.content)
    assert root.tag == f"{{{SOAP_ENVELOPES[version]}}}Envelope"
    assert find_text(root, "Body", answer) in ("7", "true")
    assert soap.emulator.get_stats() == {operation: counts(calls=1)}


def test_the_action_wins_over_the_body(soap):
    """WCF dispatches on the action: GetStock's action with a SetStock body
    is a GetStock call (which then finds no Sku where it expects it)."""
    response = soap_post(soap, envelope(set_stock()), f"{ACTIONS}GetStock")
    assert response.status_code == 200
    assert find_text(parse_xml(response.content), "Quantity") == "7"
    assert set(soap.emulator.get_stats()) == {"GetStock"}


@pytest.mark.parametrize(
    ("body", "action", "version", "content_type", "status", "code", "words"),
    [
        (envelope(get_stock()), f"{ACTIONS}Nope", "1.1", None, 500, "s:Client", "Nope"),
        (envelope(get_stock()), "urn:other/GetStock", "1.1", None, 500, "s:Client",
         "urn:other"),
        (envelope("<GetStock><Sku>MUG</Sku></GetStock>"), None, "1.1", None, 500,
         "s:Client", "namespace"),
        (envelope(f'<Nope xmlns="{NS}"/>'), None, "1.1", None, 500, "s:Client", "Nope"),
        (envelope(""), None, "1.1", None, 500, "s:Client", "Body is missing"),
        (get_stock().encode(), None, "1.1", None, 500, "s:Client", "not a SOAP"),
        (b"<s:Envelope", None, "1.1", None, 500, "s:Client", "Invalid XML"),
        (b'<!DOCTYPE x [<!ENTITY a "a">]><x>&a;</x>', None, "1.1", None, 500,
         "s:Client", "document type"),
        (envelope(get_stock()), None, "1.1", "application/json", 500, "s:Client",
         "media type"),
        (envelope(get_stock(), version="1.1"), None, "1.2", None, 400,
         "s:VersionMismatch", "does not match"),
        (envelope(get_stock(), version="1.2"), f"{ACTIONS}Nope", "1.2", None, 400,
         "s:Sender", "Nope"),
    ],
)  # fmt: skip
def test_a_request_naming_no_operation_gets_a_client_fault(
    soap, body, action, version, content_type, status, code, words
):
    response = soap_post(soap, body, action, version, content_type)
    assert response.status_code == status
    fault_code, reason = fault_of(response)
    assert fault_code == code
    assert words in reason
    assert soap.emulator.get_stats() == {}  # nothing resolved, nothing counted


def test_soap_11_and_12_faults_have_their_versions_shape(soap):
    answer = soap_post(soap, envelope(get_stock("NONE")), f"{ACTIONS}GetStock")
    assert answer.status_code == 500
    assert answer.headers["Content-Type"].startswith("text/xml")
    fault = parse_xml(answer.content).find(f"{{{SOAP_ENVELOPES['1.1']}}}Body")[0]
    # SOAP 1.1: unqualified faultcode and faultstring
    assert [child.tag for child in fault] == ["faultcode", "faultstring"]
    assert fault_of(answer) == ("s:UnknownSku", "Unknown SKU NONE")

    body = envelope(get_stock("NONE"), version="1.2")
    answer = soap_post(soap, body, f"{ACTIONS}GetStock", "1.2")
    assert answer.status_code == 400  # a Sender fault
    assert answer.headers["Content-Type"].startswith("application/soap+xml")
    root = parse_xml(answer.content)
    env = SOAP_ENVELOPES["1.2"]
    assert root.findtext(
        f"{{{env}}}Body/{{{env}}}Fault/{{{env}}}Code/{{{env}}}Value"
    ) == ("s:Sender")
    assert fault_of(answer) == ("UnknownSku", "Unknown SKU NONE")


# ----------------------------------------------------------------------
# SOAP: callers, faults, stats
# ----------------------------------------------------------------------
def test_frequency_limits_and_stats_are_per_operation_and_token(soap):
    soap.emulator.set_faults({"call_frequency": {"GetStock": 60}})
    get_a = envelope(get_stock(), token="token-a")
    assert soap_post(soap, get_a, f"{ACTIONS}GetStock").status_code == 200
    limited = soap_post(soap, get_a, f"{ACTIONS}GetStock")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "60"
    # another operation of the same endpoint, another token: not limited
    set_a = envelope(set_stock(), token="token-a")
    assert soap_post(soap, set_a, f"{ACTIONS}SetStock").status_code == 200
    get_b = envelope(get_stock(), token="token-b")
    assert soap_post(soap, get_b, f"{ACTIONS}GetStock").status_code == 200
    assert soap.emulator.get_stats() == {
        "GetStock": counts(calls=3, **{"429": 1}),
        "SetStock": counts(calls=1),
    }
    by_caller = requests.get(soap.url + "/_sandbox/stats/callers", timeout=5).json()
    assert by_caller == {
        "token-a": {
            "GetStock": counts(calls=2, **{"429": 1}),
            "SetStock": counts(calls=1),
        },
        "token-b": {"GetStock": counts(calls=1)},
    }


def test_injected_429_and_5xx_are_front_end_pages_not_faults(soap):
    body = envelope(get_stock())
    soap.emulator.set_faults({"rate_5xx": 1.0})
    statuses = set()
    for _ in range(12):
        answer = soap_post(soap, body, f"{ACTIONS}GetStock")
        statuses.add(answer.status_code)
        assert answer.headers["Content-Type"].startswith("text/html")
        assert read_soap_fault(answer) is None
        with pytest.raises(ValueError):
            parse_xml(answer.content)
    assert statuses <= {500, 502, 503} and len(statuses) > 1
    soap.emulator.set_faults({"rate_5xx": 0.0, "rate_429": 1.0, "retry_after": 9})
    answer = soap_post(soap, body, f"{ACTIONS}GetStock")
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "9"
    assert "Too Many Requests" in answer.text
    assert soap.emulator.get_stats()["GetStock"] == counts(
        calls=13, **{"5xx": 12, "429": 1}
    )


def test_expired_credentials_answer_the_apis_fault(soap):
    soap.emulator.set_faults({"expired_credentials": True})
    answer = soap_post(soap, envelope(get_stock()), f"{ACTIONS}GetStock")
    assert answer.status_code == 500
    assert fault_of(answer) == (
        "s:RequestTokenValidationError",
        "Token id is not valid.",
    )
    assert soap.emulator.get_stats() == {"GetStock": counts(calls=1, **{"401": 1})}


def test_a_handler_bug_is_a_server_fault(soap):
    body = envelope(f'<SetStock xmlns="{NS}"><Sku>MUG</Sku></SetStock>')  # no Quantity
    answer = soap_post(soap, body, f"{ACTIONS}SetStock")
    assert answer.status_code == 500
    code, reason = fault_of(answer)
    assert code == "s:Server" and "Sandbox error" in reason


def test_corruption_cuts_soap_answers(soap):
    soap.emulator.set_faults({"rate_corrupt": 1.0})
    answer = soap_post(soap, envelope(get_stock()), f"{ACTIONS}GetStock")
    assert answer.status_code == 200
    assert answer.content.startswith(b"<s:Envelope")
    with pytest.raises(ValueError):
        parse_xml(answer.content)
    # an error is never corrupted: the fault is whole
    answer = soap_post(soap, envelope(get_stock("NONE")), f"{ACTIONS}GetStock")
    assert fault_of(answer)[0] == "s:UnknownSku"
    assert soap.emulator.get_stats()["GetStock"] == counts(calls=2, corrupt=1)


# ----------------------------------------------------------------------
# SOAP: zeep
# ----------------------------------------------------------------------
@pytest.fixture
def stock_service(soap, tmp_path):
    wsdl = tmp_path / "stock.wsdl"
    wsdl.write_text(WSDL)
    client = zeep.Client(str(wsdl))
    return client.create_service(f"{{{NS}}}StockBinding", soap.url + "/Stock.svc")


def call(service, sku="MUG", token="token-a"):
    return service.GetStock(Sku=sku, _soapheaders={"security": {"TokenId": token}})


def test_zeep_calls_the_soap_emulator(soap, stock_service):
    assert call(stock_service) == 7
    assert soap.emulator.stats.by_caller() == {"token-a": {"GetStock": counts(calls=1)}}


def test_zeep_raises_its_fault_for_a_fault_answer(soap, stock_service):
    with pytest.raises(zeep.exceptions.Fault) as caught:
        call(stock_service, sku="NONE")
    assert (caught.value.code, caught.value.message) == (
        "s:UnknownSku",
        "Unknown SKU NONE",
    )
    with pytest.raises(zeep.exceptions.Fault) as caught:
        call(stock_service, token="stale")
    assert caught.value.code == "s:RequestTokenValidationError"


def test_zeep_reads_front_end_errors_as_transport_errors(soap, stock_service):
    soap.emulator.set_faults({"rate_5xx": 1.0})
    with pytest.raises(zeep.exceptions.TransportError) as caught:
        call(stock_service)
    assert not isinstance(caught.value, zeep.exceptions.Fault)
    assert caught.value.status_code in (500, 502, 503)
    soap.emulator.set_faults({"rate_5xx": 0.0, "rate_429": 1.0})
    with pytest.raises(zeep.exceptions.TransportError) as caught:
        call(stock_service)
    assert caught.value.status_code == 429


# ----------------------------------------------------------------------
# the XML-over-POST test emulator
# ----------------------------------------------------------------------
class XmlStock(StockEmulator):
    """stock_query and stock_update, one URL per service and both at
    ``/api.php``; the root element names the service and carries the
    token."""

    name = "xmlstock"

    def register_routes(self):
        xml = XmlPost(namespace=DIALOG)
        for service in ("stock_query", "stock_update"):
            handler = getattr(self, service)
            self.route("POST", f"/api.php/{service}", service, handler, protocol=xml)
            self.route("POST", "/api.php", service, handler, protocol=xml)

    def caller_key(self, request):
        return request.xml().get("token") or ""

    def authenticate(self, request):
        shop = TOKENS.get(request.caller_key)
        if shop is None:
            raise HttpError(
                401,
                "Authentication failed",
                errors=[{"code": "ERR_001", "message": "Invalid token"}],
            )
        return shop

    def _sku(self, request):
        sku = find_text(request.xml(), "sku")
        error = HttpError(
            400,
            "Unknown product",
            errors=[{"code": "ERR_120", "message": f"Unknown SKU {sku}"}],
        )
        return self.known(sku, error)

    def stock_query(self, request, shop):
        sku = self._sku(request)
        with self.lock:
            quantity = self.stock[sku]
        return xml_answer(
            f'<stock_query_response xmlns="{DIALOG}" status="OK">'
            f'<stock sku="{sku}">{quantity}</stock></stock_query_response>'
        )

    def stock_update(self, request, shop):
        sku = self._sku(request)
        with self.lock:
            self.stock[sku] = int(find_text(request.xml(), "quantity"))
        return xml_answer(f'<stock_update_response xmlns="{DIALOG}" status="OK"/>')


@pytest.fixture
def xml():
    server = EmulatorServer(XmlStock(seed=3)).start()
    yield server
    server.stop()


def query(sku="MUG", token="token-a", root="stock_query", namespace=DIALOG):
    body = ET.Element(f"{{{namespace}}}{root}", {"token": token, "shop_id": "S1"})
    ET.SubElement(body, f"{{{namespace}}}sku").text = sku
    if root == "stock_update":
        ET.SubElement(body, f"{{{namespace}}}quantity").text = "4"
    return body


def xml_post(server, body, path="/api.php/stock_query"):
    if isinstance(body, ET.Element):
        body = ET.tostring(body)
    return requests.post(
        server.url + path,
        data=body,
        headers={"Content-Type": "text/xml; charset=utf-8"},
        timeout=5,
    )


def xml_error(response):
    """``(root name, status attribute, [(code, text)])`` of an answer."""
    root = parse_xml(response.content)
    errors = [
        (error.get("code"), error.text) for error in root.iter(f"{{{DIALOG}}}error")
    ]
    return root.tag.rpartition("}")[2], root.get("status"), errors


# ----------------------------------------------------------------------
# XML over POST
# ----------------------------------------------------------------------
def test_xml_operation_is_resolved_by_the_root_element(xml):
    answer = xml_post(xml, query())
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/xml")
    assert find_text(parse_xml(answer.content), "stock") == "7"
    # one URL for every service: the root alone names it
    assert xml_post(xml, query(root="stock_update"), "/api.php").status_code == 200
    assert find_text(
        parse_xml(xml_post(xml, query(), "/api.php").content), "stock"
    ) == ("4")
    assert xml.emulator.get_stats() == {
        "stock_query": counts(calls=2),
        "stock_update": counts(calls=1),
    }


@pytest.mark.parametrize(
    ("body", "path", "words"),
    [
        (query(root="stock_update"), "/api.php/stock_query", "Unknown service"),
        (query(root="nope"), "/api.php", "Unknown service 'nope'"),
        (query(namespace="urn:other"), "/api.php/stock_query", "namespace"),
        (b"<stock_query", "/api.php/stock_query", "Invalid XML"),
        (b"", "/api.php/stock_query", "empty"),
    ],
)
def test_a_request_naming_no_service_gets_an_xml_error_document(xml, body, path, words):
    answer = xml_post(xml, body, path)
    assert answer.status_code == 200
    root, status, errors = xml_error(answer)
    assert (root, status) == ("response", "ERROR")
    ((code, text),) = errors
    assert code is None and words in text
    assert xml.emulator.get_stats() == {}


def test_service_errors_are_error_documents_answered_200(xml):
    answer = xml_post(xml, query(sku="NONE"))
    assert answer.status_code == 200
    assert xml_error(answer) == (
        "stock_query_response",
        "ERROR",
        [("ERR_120", "Unknown SKU NONE")],
    )
    answer = xml_post(xml, query(token="stale"))
    assert xml_error(answer) == (
        "stock_query_response",
        "ERROR",
        [("ERR_001", "Invalid token")],
    )
    xml.emulator.set_faults({"expired_credentials": True})
    root, status, ((code, text),) = xml_error(xml_post(xml, query()))
    assert (root, status, code, text) == (
        "stock_query_response",
        "ERROR",
        None,
        "Unauthorized",
    )


def test_xml_frequency_limits_and_stats_are_keyed_on_the_token_attribute(xml):
    xml.emulator.set_faults({"call_frequency": {"stock_query": 30}})
    assert xml_post(xml, query(token="token-a")).status_code == 200
    limited = xml_post(xml, query(token="token-a"))
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "30"
    assert limited.headers["Content-Type"].startswith("text/html")
    assert xml_post(xml, query(token="token-b")).status_code == 200
    assert xml.emulator.stats.by_caller() == {
        "token-a": {"stock_query": counts(calls=2, **{"429": 1})},
        "token-b": {"stock_query": counts(calls=1)},
    }


def test_corruption_cuts_xml_answers(xml):
    xml.emulator.set_faults({"rate_corrupt": 1.0})
    answer = xml_post(xml, query())
    assert answer.status_code == 200
    assert answer.content.startswith(b"<?xml")
    with pytest.raises(ValueError):
        parse_xml(answer.content)
    assert xml.emulator.get_stats()["stock_query"]["corrupt"] == 1


# ----------------------------------------------------------------------
# the core's transport and its classifiers
# ----------------------------------------------------------------------
def soap_transport(server, **classifier):
    return HttpTransport(
        server.url, timeout=5, classifier=soap_classifier(**classifier)
    )


def test_soap_classifier_a_fault_is_a_business_error(soap):
    http = soap_transport(soap)
    body = envelope(get_stock("NONE"))
    headers = soap_headers(f"{ACTIONS}GetStock")
    with pytest.raises(RemoteError) as caught:
        http.request("POST", "/Stock.svc", data=body, headers=headers, operation="GS")
    assert caught.value.status == 500
    assert caught.value.code == "s:UnknownSku"
    assert str(caught.value) == "GS: HTTP 500 Unknown SKU NONE"
    # SOAP 1.2: a Sender fault answered with 400
    body12 = envelope(get_stock("NONE"), version="1.2")
    with pytest.raises(RemoteError) as caught:
        http.request(
            "POST",
            "/Stock.svc",
            data=body12,
            headers=soap_headers(f"{ACTIONS}GetStock", "1.2"),
        )
    assert (caught.value.status, caught.value.code) == (400, "UnknownSku")
    # the status rule alone would have retried it
    with pytest.raises(TransientError):
        HttpTransport(soap.url, timeout=5).request(
            "POST", "/Stock.svc", data=body, headers=headers
        )
    # the answer of a good call comes back as it is
    ok = http.request("POST", "/Stock.svc", data=envelope(get_stock()), headers=headers)
    assert find_text(parse_xml(ok.content), "Quantity") == "7"


def test_soap_classifier_auth_codes_and_front_end_errors(soap):
    http = soap_transport(soap, auth_codes=("RequestTokenValidationError",))
    headers = soap_headers(f"{ACTIONS}GetStock")

    def get(token="token-a"):
        body = envelope(get_stock(), token=token)
        return http.request("POST", "/Stock.svc", data=body, headers=headers)

    with pytest.raises(AuthError) as caught:
        get(token="stale")
    assert "Token id is not valid." in str(caught.value)
    soap.emulator.set_faults({"rate_5xx": 1.0})
    with pytest.raises(TransientError) as caught:
        get()
    assert not isinstance(caught.value, ThrottledError)
    assert caught.value.status in (500, 502, 503)
    soap.emulator.set_faults({"rate_5xx": 0.0, "rate_429": 1.0, "retry_after": 4})
    with pytest.raises(ThrottledError) as caught:
        get()
    assert caught.value.retry_after == 4


def test_xml_error_classifier_reads_errors_answered_200(xml):
    http = HttpTransport(xml.url, timeout=5, classifier=xml_error_classifier())
    root = http.xml("POST", "/api.php/stock_query", body=query())
    assert find_text(root, "stock") == "7"
    with pytest.raises(RemoteError) as caught:
        http.xml("POST", "/api.php/stock_query", body=query(sku="NONE"), operation="SQ")
    assert (caught.value.status, caught.value.code) == (200, "ERR_120")
    assert str(caught.value) == "SQ: HTTP 200 Unknown SKU NONE"
    assert "stock_query_response" in caught.value.body
    # with auth codes, a refused token is an authentication error
    strict = HttpTransport(
        xml.url, timeout=5, classifier=xml_error_classifier(auth_codes=("ERR_001",))
    )
    with pytest.raises(AuthError):
        strict.xml("POST", "/api.php/stock_query", body=query(token="stale"))
    # the status rule alone sees a success
    answer = HttpTransport(xml.url, timeout=5).request(
        "POST", "/api.php/stock_query", data=ET.tostring(query(sku="NONE"))
    )
    assert answer.status_code == 200


def test_transport_reads_a_cut_xml_answer_as_transient(xml):
    http = HttpTransport(xml.url, timeout=5, classifier=xml_error_classifier())
    xml.emulator.set_faults({"rate_corrupt": 1.0})
    with pytest.raises(TransientError, match="not well-formed XML"):
        http.xml("POST", "/api.php/stock_query", body=query(), operation="SQ")
