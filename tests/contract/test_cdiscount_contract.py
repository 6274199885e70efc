"""The Cdiscount SOAP emulator agrees with the official WSDL and XSDs.

The official description is read where it is published for the project
(``contracts_dir() / "cdiscount"``), never copied into the repository; the
module is skipped when it is absent. Three kinds of checks:

- every answer of the emulator (each operation, orders of every variety and
  state, business errors, empty lists) validates against the official XSDs
  (lxml, the official ``https://wsvc.cdiscount.com/...?xsd=xsdN`` imports
  resolved to the local files);
- zeep, loading the OFFICIAL WSDL (from the local files) and pointed at the
  emulator's address, calls the operations and parses the answers;
- the project's own WSDL and XSDs (served by the emulator) agree with the
  official ones: same SOAPActions, messages and wrapper elements, and for
  each type the project declares, the official element sequence restricted
  to what the project declares (same order, types, nillability, occurrences),
  every element the official type requires included.
"""

import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import requests
import zeep
import zeep.exceptions
from lxml import etree
from mphub.cdiscount.package import build_offer_package
from mphub.offers import OfferRow
from mphub.sandbox import cdiscount_wsdl as project
from mphub.sandbox.cdiscount import CdiscountEmulator
from mphub.sandbox.server import EmulatorServer
from zeep.helpers import serialize_object

from .conftest import contracts_dir

OFFICIAL_URL = "https://wsvc.cdiscount.com/MarketplaceAPIService.svc"
XS = "http://www.w3.org/2001/XMLSchema"
WSDL = "http://schemas.xmlsoap.org/wsdl/"
SOAP_BINDING = "http://schemas.xmlsoap.org/wsdl/soap/"
WSAW = "http://www.w3.org/2006/05/addressing/wsdl"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
_QUERY = re.compile(r"^(?:wsdl|wsdl=(wsdl\d+)|xsd=(xsd\d+))$")


def official_dir():
    return contracts_dir() / "cdiscount"


if not (official_dir() / "wsdl.xml").exists():
    pytest.skip(
        f"official Cdiscount WSDL not found in {official_dir()} "
        "(set MPHUB_CONTRACTS_DIR to the contracts directory)",
        allow_module_level=True,
    )


def official_file(url):
    """The local file of an official document's URL (None if not one)."""
    base, _question, query = url.partition("?")
    if base.rstrip("/") != OFFICIAL_URL:
        return None
    match = _QUERY.match(query)
    if not match:
        return None
    wsdl, xsd = match.groups()
    name = f"wsdl_{wsdl}.xml" if wsdl else f"xsd_{xsd}.xml" if xsd else "wsdl.xml"
    return official_dir() / name


class _Resolver(etree.Resolver):
    def __init__(self, documents):
        super().__init__()
        self.documents = documents  # url -> bytes, or None: the official files

    def resolve(self, url, public_id, context):
        if self.documents is not None:
            if url in self.documents:
                return self.resolve_string(self.documents[url], context)
            return None
        path = official_file(url)
        if path is not None and path.exists():
            return self.resolve_filename(str(path), context)
        return None


def load_schema(root_url, documents=None):
    """An ``etree.XMLSchema`` of the document at ``root_url`` and its
    imports: from ``documents`` (url -> text), else the official files."""
    parser = etree.XMLParser(resolve_entities=False)
    parser.resolvers.add(_Resolver(documents))
    if documents is not None:
        data = documents[root_url]
        root = etree.fromstring(
            data.encode() if isinstance(data, str) else data, parser
        )
    else:
        root = etree.parse(str(official_file(root_url)), parser).getroot()
    return etree.XMLSchema(etree.ElementTree(root))


class OfficialSchemas:
    """Validates SOAP answers against the official XSDs."""

    def __init__(self):
        self.schema = load_schema(f"{OFFICIAL_URL}?xsd=xsd0")

    def errors(self, envelope):
        """The validation errors of the response element of a SOAP envelope
        (bytes): ``[]`` when it is valid."""
        root = etree.fromstring(envelope)
        body = root.find(f"{{{SOAP_ENV}}}Body")
        if body is None or len(body) == 0:
            return ["no SOAP Body"]
        element = etree.fromstring(etree.tostring(body[0]))
        if self.schema.validate(etree.ElementTree(element)):
            return []
        return [f"line {e.line}: {e.message}" for e in self.schema.error_log]


class OfficialTransport(zeep.Transport):
    """Loads the official WSDL and XSDs from the local files (their
    ``https://wsvc.cdiscount.com`` URLs), posts over HTTP."""

    def load(self, url):
        path = official_file(url)
        if path is not None:
            return Path(path).read_bytes()
        return super().load(url)


def official_client(**kwargs):
    """A zeep client built from the official WSDL."""
    return zeep.Client(f"{OFFICIAL_URL}?wsdl", transport=OfficialTransport(**kwargs))


# ----------------------------------------------------------------------
# what the documents declare
# ----------------------------------------------------------------------
def _qname(element, value):
    prefix, _colon, name = (value or "").rpartition(":")
    return (element.nsmap.get(prefix or None), name)


def _field(element):
    return {
        "name": element.get("name"),
        "type": _qname(element, element.get("type")),
        "nillable": element.get("nillable") == "true",
        "min": element.get("minOccurs", "1"),
        "max": element.get("maxOccurs", "1"),
    }


def _complex(node):
    extension = node.find(f".//{{{XS}}}extension")
    base = _qname(extension, extension.get("base")) if extension is not None else None
    sequence = node.find(f".//{{{XS}}}sequence")
    fields = (
        [_field(e) for e in sequence.findall(f"{{{XS}}}element")]
        if sequence is not None
        else []
    )
    return {"base": base, "fields": fields}


def schema_model(roots):
    """``{"types": {(ns, name): {"base", "fields"}}, "enums": {(ns, name):
    [values]}, "elements": {(ns, name): fields of its inline type}}`` of
    schema root elements."""
    model = {"types": {}, "enums": {}, "elements": {}}
    for root in roots:
        namespace = root.get("targetNamespace")
        for node in root:
            key = (namespace, node.get("name"))
            if node.tag == f"{{{XS}}}complexType":
                model["types"][key] = _complex(node)
            elif node.tag == f"{{{XS}}}simpleType":
                model["enums"][key] = [
                    e.get("value") for e in node.iter(f"{{{XS}}}enumeration")
                ]
            elif node.tag == f"{{{XS}}}element":
                inline = node.find(f"{{{XS}}}complexType")
                if inline is not None:
                    model["elements"][key] = _complex(inline)["fields"]
    return model


def official_schema_model():
    roots = [
        etree.parse(str(p)).getroot() for p in sorted(official_dir().glob("xsd_*.xml"))
    ]
    return schema_model(roots)


def wsdl_model(wsdl_root, wsdl0_root):
    """Operations of the binding: name -> {"action", "input", "output",
    "input_action", "output_action"} (elements as (ns, name)); plus the
    binding's and the port's names and the port type."""
    binding = wsdl_root.find(f"{{{WSDL}}}binding")
    port = wsdl_root.find(f"{{{WSDL}}}service/{{{WSDL}}}port")
    messages = {
        m.get("name"): _qname(m[0], m[0].get("element"))
        for m in wsdl0_root.findall(f"{{{WSDL}}}message")
    }
    port_types = {p.get("name"): p for p in wsdl0_root.findall(f"{{{WSDL}}}portType")}
    port_type_name = _qname(binding, binding.get("type"))[1]
    operations = {}
    for operation in port_types[port_type_name].findall(f"{{{WSDL}}}operation"):
        flows = {}
        for flow in ("input", "output"):
            node = operation.find(f"{{{WSDL}}}{flow}")
            flows[flow] = messages[_qname(node, node.get("message"))[1]]
            flows[f"{flow}_action"] = node.get(f"{{{WSAW}}}Action")
        operations[operation.get("name")] = flows
    for operation in binding.findall(f"{{{WSDL}}}operation"):
        soap = operation.find(f"{{{SOAP_BINDING}}}operation")
        operations[operation.get("name")]["action"] = soap.get("soapAction")
        operations[operation.get("name")]["style"] = soap.get("style")
    return {
        "target": wsdl_root.get("targetNamespace"),
        "binding": binding.get("name"),
        "port_type": port_type_name,
        "port": port.get("name"),
        "operations": operations,
    }


def official_wsdl_model():
    return wsdl_model(
        etree.parse(str(official_dir() / "wsdl.xml")).getroot(),
        etree.parse(str(official_dir() / "wsdl_wsdl0.xml")).getroot(),
    )


# ----------------------------------------------------------------------
# the project's WSDL and XSDs agree with the official ones
# ----------------------------------------------------------------------
BASE = "http://sandbox.test:8903"


def _project_documents():
    """url -> text of every document the emulator serves."""
    url = project.service_url(BASE)
    documents = {f"{url}?wsdl": project.metadata_document("wsdl", BASE)}
    documents[f"{url}?wsdl=wsdl0"] = project.metadata_document("wsdl=wsdl0", BASE)
    for _prefix, name in project.NAMESPACES.values():
        documents[f"{url}?xsd={name}"] = project.metadata_document(f"xsd={name}", BASE)
    return documents


@pytest.fixture(scope="module")
def official_model():
    return official_schema_model()


@pytest.fixture(scope="module")
def project_model():
    documents = _project_documents()
    roots = [
        etree.fromstring(text.encode())
        for url, text in documents.items()
        if "?xsd=" in url
    ]
    return schema_model(roots)


def test_the_project_schemas_load_and_import_from_the_emulators_host():
    documents = _project_documents()
    url = project.service_url(BASE)
    load_schema(f"{url}?xsd=xsd0", documents)  # raises when not a valid schema
    for text in documents.values():
        for location in re.findall(
            r'(?:schemaLocation|import[^>]* location)="([^"]+)"', text
        ):
            assert location in documents, location
    assert f'<soap:address location="{url}"/>' in documents[f"{url}?wsdl"]


def test_the_operations_agree_with_the_official_wsdl():
    official = official_wsdl_model()
    documents = _project_documents()
    url = project.service_url(BASE)
    ours = wsdl_model(
        etree.fromstring(documents[f"{url}?wsdl"].encode()),
        etree.fromstring(documents[f"{url}?wsdl=wsdl0"].encode()),
    )
    for key in ("target", "binding", "port_type", "port"):
        assert ours[key] == official[key], key
    assert f"{{{ours['target']}}}{ours['binding']}" == project.BINDING_QNAME
    assert set(ours["operations"]) == set(project.OPERATIONS)
    for name, operation in ours["operations"].items():
        assert operation == official["operations"][name], name


def test_the_wrapper_elements_agree_with_the_official_ones(
    official_model, project_model
):
    for operation in project.OPERATIONS:
        for name in (operation, f"{operation}Response"):
            key = (project.COM, name)
            assert project_model["elements"][key] == official_model["elements"][key], (
                name
            )


def _restricted(official_fields, names):
    return [field for field in official_fields if field["name"] in names]


def test_each_type_is_the_official_one_restricted_to_what_the_project_declares(
    official_model, project_model
):
    assert project_model["types"], "no type read"
    for key, ours in project_model["types"].items():
        official = official_model["types"].get(key)
        assert official is not None, f"{key} is not an official type"
        assert ours["base"] == official["base"], key
        names = {field["name"] for field in ours["fields"]}
        assert ours["fields"] == _restricted(official["fields"], names), key
        required = {f["name"] for f in official["fields"] if f["min"] != "0"}
        assert required <= names, f"{key} lacks required {required - names}"


def test_each_enumeration_holds_official_values_only(official_model, project_model):
    for key, values in project_model["enums"].items():
        official = official_model["enums"].get(key)
        assert official is not None, f"{key} is not an official enumeration"
        assert set(values) <= set(official), f"{key}: {set(values) - set(official)}"
        assert values == [v for v in official if v in values], f"{key}: order"


@pytest.mark.parametrize(
    "name",
    ["OrderStateEnum", "AcceptationStateEnum", "ProductConditionEnum", "Civility"],
)
def test_the_state_enumerations_are_complete(official_model, project_model, name):
    """Every official state can be rendered (rare states included)."""
    key = (project.COM, name)
    assert project_model["enums"][key] == official_model["enums"][key]


# ----------------------------------------------------------------------
# the emulator's answers validate against the official XSDs
# ----------------------------------------------------------------------
SELLER, OTHER = 98979, 98980
LOGIN = ("sandbox-cdiscount-api", "sandbox-cdiscount-password")
SINCE = datetime(2000, 1, 1)


@pytest.fixture(scope="module")
def server():
    server = EmulatorServer(CdiscountEmulator()).start()
    emulator = server.emulator
    emulator.create_orders(
        SELLER,
        80,
        state="mixed",
        malformed_share=0.2,
        unknown_sku_share=0.1,
        refused_line_share=0.2,
        unknown_state_share=0.1,
        fulfilment_share=0.1,
        xdock_share=0.05,
        relay_share=0.3,
        company_share=0.2,
        multi_line_share=0.5,
        additional_shipping_share=0.5,
        fee_line_share=0.1,
        same_sku_share=0.1,
    )
    # every OrderState the XSD knows, rare and internal ones included
    states = official_schema_model()["enums"][(project.COM, "OrderStateEnum")]
    for number, state in zip(
        emulator.create_orders(SELLER, len(states)), states, strict=True
    ):
        emulator.set_order_state(number, "Processing", soap_state=state)
    emulator.create_offers(SELLER, 30, malformed_share=0.2, unknown_sku_share=0.1)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def schemas():
    return OfficialSchemas()


@pytest.fixture(scope="module")
def official():
    return official_client()


def _token(url):
    response = requests.get(
        f"{url}/users/httpIssue.svc/",
        params={"realm": OFFICIAL_URL},
        auth=LOGIN,
        timeout=5,
    )
    return re.search(r"[0-9a-f]{32}", response.text).group()


def _header(token):
    return {
        "Context": {"SiteID": 100, "CatalogID": 1},
        "Localization": {"Country": "Fr", "Currency": "Eur", "Language": "Fr"},
        "Security": {
            "UserName": "",
            "TokenId": token,
            "DomainRightsList": None,
            "IssuerID": None,
            "SessionID": None,
        },
        "Version": "1.0",
    }


class RawCaller:
    """Posts requests the official WSDL's zeep client writes; answers the
    raw HTTP response."""

    def __init__(self, server, client):
        self.url = f"{server.url}/MarketplaceAPIService.svc"
        self.client = client
        self.service = client.create_service(project.BINDING_QNAME, self.url)
        self.token = _token(server.url)

    def __call__(self, operation, **params):
        envelope = self.client.create_message(
            self.service, operation, headerMessage=_header(self.token), **params
        )
        headers = {
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": f'"{project.SOAP_ACTION_BASE}{operation}"',
        }
        return requests.post(
            self.url, data=etree.tostring(envelope), headers=headers, timeout=10
        )


@pytest.fixture(scope="module")
def raw(server, official):
    return RawCaller(server, official)


def _valid(schemas, response, operation):
    assert response.status_code == 200, response.text[:500]
    envelope = etree.fromstring(response.content)
    (answer,) = envelope.find(f"{{{SOAP_ENV}}}Body")
    assert answer.tag == f"{{{project.COM}}}{operation}Response"
    assert schemas.errors(response.content) == []
    return answer


def _hosted(server, name, rows):
    return server.url + server.emulator.host_file(name, build_offer_package(rows, name))


def test_order_lists_of_every_variety_are_valid(raw, schemas, server):
    everything = {
        "BeginModificationDate": SINCE,
        "FetchOrderLines": True,
        "FetchParcels": True,
    }
    answer = _valid(
        schemas, raw("GetOrderList", orderFilter=everything), "GetOrderList"
    )
    orders = answer.findall(f".//{{{project.COM}}}Order")
    assert len(orders) == len(server.emulator.store.seller(SELLER).orders)
    texts = etree.tostring(answer).decode()
    for what in ("IsCLogistiqueOrder>true", "RelayId>", "INTERETBCA", 'i:nil="true"'):
        assert what in texts, what
    bare = {"BeginModificationDate": SINCE, "FetchOrderLines": False}
    _valid(schemas, raw("GetOrderList", orderFilter=bare), "GetOrderList")


@pytest.mark.parametrize(
    "order_filter",
    [None, {"BeginModificationDate": datetime(2099, 1, 1)}, {"OrderType": "EXTFBC"}],
)
def test_empty_and_refused_order_lists_are_valid(raw, schemas, order_filter):
    _valid(schemas, raw("GetOrderList", orderFilter=order_filter), "GetOrderList")


def test_a_quota_answer_is_valid(raw, schemas, server):
    server.emulator.set_faults({"rate_quota": 1.0})
    try:
        answer = _valid(schemas, raw("GetOfferList", offerFilter={}), "GetOfferList")
    finally:
        server.emulator.set_faults({"rate_quota": 0.0})
    assert "Quota" in etree.tostring(answer).decode()


def _waiting(server, count=1, **options):
    return server.emulator.create_orders(SELLER, count, fulfilment_share=0, **options)


def _line(sku, state="AcceptedBySeller"):
    return {
        "SellerProductId": sku,
        "AcceptationState": state,
        "ProductCondition": "New",
    }


def test_validation_results_of_every_kind_are_valid(raw, schemas, server):
    emulator = server.emulator
    accepted, refused, shipped, twice, foreign = _waiting(
        server, 5, multi_line_share=1.0
    )
    skus = [line["sku"] for line in emulator.order_record(accepted)["lines"]]
    emulator.set_order_state(shipped, "InPreparation")
    emulator.set_order_state(twice, "Shipped")
    orders = [
        {
            "OrderNumber": accepted,
            "OrderState": "AcceptedBySeller",
            "OrderLineList": {
                "ValidateOrderLine": [
                    _line(skus[0]),
                    _line(skus[-1], "RefusedBySeller"),
                ]
            },
        },
        {"OrderNumber": refused, "OrderState": "RefusedBySeller"},
        {
            "OrderNumber": shipped,
            "OrderState": "Shipped",
            "CarrierName": "Colissimo",
            "TrackingNumber": "6A1",
            "TrackingUrl": "https://t/6A1",
        },
        {
            "OrderNumber": twice,
            "OrderState": "Shipped",
            "CarrierName": "X",
            "TrackingNumber": "1",
        },
        {
            "OrderNumber": foreign,
            "OrderState": "AcceptedBySeller",
            "OrderLineList": {"ValidateOrderLine": [_line("NOT-A-LINE")]},
        },
        {"OrderNumber": "2501010000ZZZZZ", "OrderState": "AcceptedBySeller"},
        {"OrderNumber": accepted, "OrderState": "PickedUp"},
    ]
    message = {"OrderList": {"ValidateOrder": orders}}
    answer = _valid(
        schemas,
        raw("ValidateOrderList", validateOrderListMessage=message),
        "ValidateOrderList",
    )
    validated = [e.text for e in answer.iter(f"{{{project.COM}}}Validated")]
    assert validated == ["true", "true", "true", "false", "false", "false", "false"]
    for empty in ({"OrderList": {"ValidateOrder": []}}, None):
        _valid(
            schemas,
            raw("ValidateOrderList", validateOrderListMessage=empty),
            "ValidateOrderList",
        )


def test_package_answers_are_valid(raw, schemas, server):
    offer = server.emulator.store.offer_list(server.emulator.store.seller(SELLER))[0]
    rows = [
        OfferRow(offer.sku, 3, Decimal("9.99"), offer.ean),
        OfferRow("NOT-IN-CATALOGUE", 1, Decimal("0"), None),
    ]
    url = _hosted(server, "contract.zip", rows)
    answer = _valid(
        schemas,
        raw("SubmitOfferPackage", offerPackageRequest={"ZipFileFullPath": url}),
        "SubmitOfferPackage",
    )
    number = int(answer.find(f".//{{{project.COM}}}PackageId").text)
    for _poll in range(3):  # pending, then integrated with its logs
        _valid(
            schemas,
            raw(
                "GetOfferPackageSubmissionResult",
                offerPackageFilter={"PackageID": number},
            ),
            "GetOfferPackageSubmissionResult",
        )
    for refused in ("file:///tmp/x.zip", f"{server.url}/_sandbox/files/none.zip"):
        request = {"ZipFileFullPath": refused}
        _valid(
            schemas,
            raw("SubmitOfferPackage", offerPackageRequest=request),
            "SubmitOfferPackage",
        )
    unknown = {"PackageID": 987654}
    _valid(
        schemas,
        raw("GetOfferPackageSubmissionResult", offerPackageFilter=unknown),
        "GetOfferPackageSubmissionResult",
    )


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("GetOfferList", {"offerFilter": {}}),
        (
            "GetOfferList",
            {"offerFilter": {"SellerProductIdList": {"string": ["NONE"]}}},
        ),
        ("GetOfferListPaginated", {"offerFilter": {"PageNumber": 1}}),
        ("GetOfferListPaginated", {"offerFilter": {"PageNumber": 9}}),
        ("GetOfferListPaginated", {"offerFilter": {"PageNumber": 0}}),
        ("GetGlobalConfiguration", {}),
        ("GetSellerInformation", {}),
    ],
)
def test_offer_and_account_answers_are_valid(raw, schemas, operation, params):
    _valid(schemas, raw(operation, **params), operation)


# ----------------------------------------------------------------------
# zeep, from the OFFICIAL WSDL, against the emulator
# ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def services(server, official):
    url = f"{server.url}/MarketplaceAPIService.svc"
    ours = zeep.Client(f"{url}?wsdl")
    token = _token(server.url)
    return (
        official.create_service(project.BINDING_QNAME, url),
        ours.create_service(project.BINDING_QNAME, url),
        _header(token),
    )


def _agree(official, ours, path="result"):
    """What zeep reads through the project's WSDL, it reads alike through
    the official one (which may declare more elements)."""
    if isinstance(ours, dict):
        assert isinstance(official, dict), path
        for key, value in ours.items():
            _agree(official.get(key), value, f"{path}.{key}")
    elif isinstance(ours, list):
        assert isinstance(official, list) and len(official) == len(ours), path
        for index, (theirs, mine) in enumerate(zip(official, ours, strict=True)):
            _agree(theirs, mine, f"{path}[{index}]")
    else:
        assert official == ours, path


def _both(services, operation, **params):
    official, ours, header = services
    results = [
        serialize_object(
            getattr(service, operation)(headerMessage=header, **params), dict
        )
        for service in (official, ours)
    ]
    _agree(*results)
    return results[0]


def test_the_official_wsdl_reads_the_order_lists(services, server):
    order_filter = {
        "BeginModificationDate": SINCE,
        "FetchOrderLines": True,
        "FetchParcels": True,
    }
    result = _both(services, "GetOrderList", orderFilter=order_filter)
    assert result["OperationSuccess"] is True
    orders = result["OrderList"]["Order"]
    assert len(orders) == len(server.emulator.store.seller(SELLER).orders)
    number = orders[0]["OrderNumber"]
    record = server.emulator.order_record(number)
    assert orders[0]["InitialTotalAmount"] == Decimal(
        str(orders[0]["InitialTotalAmount"])
    )
    assert [
        line["SellerProductId"]
        for line in orders[0]["OrderLineList"]["OrderLine"] or ()
    ] == (
        [line["sku"] for line in record["lines"]]
        if record["soap_defect"] != "no_lines"
        else []
    )


def test_the_official_wsdl_validates_orders(services, server):
    official, _ours, header = services
    (number,) = _waiting(server)
    skus = list(
        dict.fromkeys(
            line["sku"] for line in server.emulator.order_record(number)["lines"]
        )
    )
    message = {
        "OrderList": {
            "ValidateOrder": [
                {
                    "OrderNumber": number,
                    "OrderState": "AcceptedBySeller",
                    "OrderLineList": {
                        "ValidateOrderLine": [_line(sku) for sku in skus]
                    },
                }
            ]
        }
    }
    result = official.ValidateOrderList(
        headerMessage=header, validateOrderListMessage=message
    )
    (order,) = result.ValidateOrderResults.ValidateOrderResult
    assert order.Validated is True and order.OrderNumber == number
    assert server.emulator.order_record(number)["status"] == "InPreparation"
    again = official.ValidateOrderList(
        headerMessage=header, validateOrderListMessage=message
    )
    (order,) = again.ValidateOrderResults.ValidateOrderResult
    assert order.Validated is False
    assert order.Errors.Error[0].ErrorType == "OrderStateIncoherent"


def test_the_official_wsdl_submits_and_follows_a_package(services, server):
    offer = server.emulator.store.offer_list(server.emulator.store.seller(SELLER))[1]
    url = _hosted(
        server, "official.zip", [OfferRow(offer.sku, 4, Decimal("7.50"), offer.ean)]
    )
    official, _ours, header = services
    submitted = official.SubmitOfferPackage(
        headerMessage=header, offerPackageRequest={"ZipFileFullPath": url}
    )
    assert submitted.OperationSuccess is True and submitted.PackageId > 0
    package_filter = {"PackageID": submitted.PackageId}
    for _poll in range(2):
        report = official.GetOfferPackageSubmissionResult(
            headerMessage=header, offerPackageFilter=package_filter
        )
    assert report.PackageIntegrationStatus == "Integrated"
    (log,) = report.OfferLogList.OfferReportLog
    assert (log.SellerProductId, log.Validated) == (offer.sku, True)


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("GetOfferList", {"offerFilter": {}}),
        ("GetOfferListPaginated", {"offerFilter": {"PageNumber": 1}}),
        ("GetGlobalConfiguration", {}),
        ("GetSellerInformation", {}),
    ],
)
def test_the_official_wsdl_reads_the_other_answers(services, operation, params):
    assert _both(services, operation, **params)["OperationSuccess"] is True


def test_a_token_fault_reaches_the_official_client(services):
    official, _ours, header = services
    header = {**header, "Security": {**header["Security"], "TokenId": "f" * 32}}
    with pytest.raises(zeep.exceptions.Fault) as fault:
        official.GetSellerInformation(headerMessage=header)
    assert fault.value.code == "s:RequestTokenValidationError"
