"""SOAP and XML-over-POST endpoints on the sandbox framework.

An emulator declares such an endpoint with the ordinary ``Emulator.route``,
one route per operation, every route of the endpoint on the same method and
path and given the same protocol object::

    soap = Soap(namespace="http://www.cdiscount.com",
                action_base="http://www.cdiscount.com/IMarketplaceAPIService/")
    self.route("POST", "/MarketplaceAPIService.svc", "GetOrderList",
               self.get_order_list, protocol=soap)

    fnac = XmlPost(namespace="http://www.fnac.com/schemas/mp-dialog.xsd")
    self.route("POST", "/api.php/orders_query", "orders_query",
               self.orders_query, protocol=fnac)

The framework then resolves the operation before faults and counters apply,
so stats, ``call_frequency`` and the injected faults work per SOAP or XML
operation exactly as per REST route. Handlers answer with ``soap_answer``
(a payload wrapped in the request's SOAP envelope) or ``xml_answer``.

A protocol object implements three hooks (``Protocol``):

- ``resolve(request) -> operation``: the name the request gives its
  operation; raises the protocol's ``HttpError`` when it names none;
- ``unknown_operation(request, operation) -> HttpError``: the error for a
  name no route of the endpoint serves;
- ``error_response(emulator, err) -> Response``: every error of its routes,
  the framework's faults included.

``Soap`` (versions 1.1 and 1.2, answering in the request's version):

- the operation is the SOAPAction header (SOAP 1.1, quotes stripped) or the
  ``action`` parameter of the Content-Type (SOAP 1.2), read as the text after
  ``action_base`` (or else after its last ``/``, ``#`` or ``:``); when the
  request gives no action (``""``), the local name of the Body's first child
  (which must be in ``namespace`` when it is given). An unknown action, a
  body that is not a SOAP envelope, a media type that is neither ``text/xml``
  (1.1) nor ``application/soap+xml`` (1.2): a Client (Sender) fault;
- errors of the service are SOAP Faults, built by the ``fault(err)`` hook
  (override it for the API's own fault codes): the code of ``err.errors[0]``
  when given, else ``Client.Authentication`` for 401/403, ``Client`` for
  another 4xx, ``Server`` for a 5xx. SOAP 1.1 answers every fault with
  status 500 (``faultcode``, ``faultstring``, optional ``detail``),
  ``text/xml``. SOAP 1.2 answers ``env:Sender`` faults (the 4xx) with 400
  and ``env:Receiver`` faults with 500, ``application/soap+xml``, with
  ``Code/Value`` (and the specific code as ``Code/Subcode/Value``) and
  ``Reason/Text``;
- the framework's injected 429 and 5xx (``err.gateway``) are the front end's
  answers, never Faults: a SOAP service (IIS/WCF behind a load balancer or an
  API gateway) that is overloaded or down answers through its front end, with
  the status drawn (500, 502 or 503; 429 with ``Retry-After``) and a small
  HTML page (``gateway_response``). Clients must read those as transient,
  and a Fault (status 500) as the service's own verdict.

``XmlPost`` (XML over HTTP POST, the root element names the service):

- the operation is the local name of the body's root element (which must be
  in ``namespace`` when it is given); a route's path may name the service
  too (``/api.php/orders_query``): a root that the route at that path does
  not serve is an unknown operation;
- errors of the service are XML error documents (``error_document(err)``
  hook): ``<{operation}_response status="ERROR"><error severity="ERROR"
  code="...">message</error>...`` (``<response>`` when the operation is
  unknown), one ``error`` per ``err.errors`` item, answered with status
  ``error_status`` (200, as Fnac does; None keeps the error's own status);
  a 5xx of the service keeps its status;
- the injected 429 and 5xx are front-end HTML pages, as for SOAP.

Emulators key callers on a credential in the body with ``caller_key``
(``Emulator``), e.g. ``find_text(soap_header(request), "TokenId")`` or
``request.xml().get("token")``; ``request.xml()`` parses the body once.
"""

import html
import xml.etree.ElementTree as ET
from http import HTTPStatus
from typing import NamedTuple
from xml.sax.saxutils import escape, quoteattr

from ..http import local_name
from .server import HttpError, Response

SOAP_ENVELOPES = {
    "1.1": "http://schemas.xmlsoap.org/soap/envelope/",
    "1.2": "http://www.w3.org/2003/05/soap-envelope",
}
SOAP_MEDIA_TYPES = {"1.1": "text/xml", "1.2": "application/soap+xml"}
# SOAP 1.2's own fault codes (Code/Value), besides Sender and Receiver
SOAP12_CODES = ("Sender", "Receiver", "VersionMismatch", "MustUnderstand")
XML_TYPE = "text/xml;charset=UTF-8"


def namespace_of(tag):
    """The namespace of an ElementTree tag (``{ns}name``), ``""`` if none."""
    return tag[1:].partition("}")[0] if tag[:1] == "{" else ""


def find_text(element, *names):
    """The stripped text of the first descendant of ``element`` reached by
    the local names ``names`` in turn (each at any depth below the
    previous, any namespace); None when absent. ``find_text(header,
    "Security", "TokenId")``."""
    for name in names:
        if element is None:
            return None
        element = next(
            (
                child
                for child in element.iter()
                if child is not element and local_name(child.tag) == name
            ),
            None,
        )
    if element is None:
        return None
    return (element.text or "").strip()


def _serialize(payload):
    """XML bytes of a payload: an ``Element``, text or bytes."""
    if payload is None:
        return b""
    if isinstance(payload, ET.Element):
        return ET.tostring(payload, encoding="unicode").encode()
    return payload.encode() if isinstance(payload, str) else bytes(payload)


def xml_answer(payload, status=200, headers=None):
    """A response whose body is the XML document ``payload`` (an ``Element``,
    text or bytes), with an XML declaration."""
    body = b'<?xml version="1.0" encoding="utf-8"?>' + _serialize(payload)
    return Response(status, body, XML_TYPE, headers)


class Protocol:
    """Base of the protocols: the front end's answers to the framework's
    injected faults; subclasses resolve operations and render errors."""

    namespace = None  # of the element naming the operation, when checked

    def resolve(self, request):
        """The operation ``request`` names; raise ``HttpError`` when it names
        none."""
        raise NotImplementedError

    def unknown_operation(self, request, operation):
        """The error for an operation no route of the endpoint serves."""
        return HttpError(400, f"Unknown operation {operation!r}")

    def _name_of(self, element, what):
        """The local name of the ``element`` naming the operation, which must
        be in the protocol's ``namespace`` when it has one."""
        if self.namespace and namespace_of(element.tag) != self.namespace:
            raise HttpError(
                400,
                f"The {what} {local_name(element.tag)!r} is not in the "
                f"namespace {self.namespace}",
            )
        return local_name(element.tag)

    def error_response(self, emulator, err):
        """The answer to ``err`` (the service's errors, the framework's
        faults)."""
        raise NotImplementedError

    @staticmethod
    def gateway_response(err):
        """What the front end of the service answers for an injected 429 or
        5xx: the status, ``Retry-After`` if any, and an HTML page shaped like
        HTTP.sys's (IIS), which is not well-formed XML: a SOAP client such as
        zeep reports a transport error, not a Fault."""
        try:
            status = HTTPStatus(err.status)
            phrase, description = status.phrase, status.description
        except ValueError:
            phrase, description = "Error", ""
        page = (
            '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN"'
            '"http://www.w3.org/TR/html4/strict.dtd">\r\n'
            f"<HTML><HEAD><TITLE>{html.escape(phrase)}</TITLE>\r\n"
            '<META HTTP-EQUIV="Content-Type" Content="text/html; '
            'charset=us-ascii"></HEAD>\r\n'
            f"<BODY><h2>{html.escape(phrase)}</h2>\r\n<hr><p>HTTP Error "
            f"{err.status}. {html.escape(description)}</p>\r\n</BODY></HTML>\r\n"
        )
        response = Response(err.status, page.encode(), "text/html; charset=us-ascii")
        response.headers.update(err.headers)
        return response


# ----------------------------------------------------------------------
# SOAP
# ----------------------------------------------------------------------
class Fault(NamedTuple):
    """A SOAP Fault: ``code`` is ``Client``, ``Server``, a dotted
    refinement (``Client.Authentication``), a prefixed QName whose prefix
    is ``s`` (the envelope's, e.g. ``s:RequestTokenValidationError``) or a
    ``{namespace}name``; ``detail`` is XML put in the fault's detail."""

    code: str
    reason: str
    detail: str | None = None


def _media_type(request):
    content_type = request.headers.get("Content-Type") or ""
    media, *params = (part.strip() for part in content_type.split(";"))
    values = {}
    for param in params:
        key, _equal, value = param.partition("=")
        values[key.strip().lower()] = value.strip().strip('"')
    return media.lower(), values


def soap_envelope(request):
    """The request's SOAP Envelope element (400 when the body is not one
    of its SOAP version)."""
    envelope = request.xml()
    version = request.soap_version or "1.1"
    namespace = namespace_of(envelope.tag)
    if local_name(envelope.tag) == "Envelope" and namespace == SOAP_ENVELOPES[version]:
        return envelope
    if local_name(envelope.tag) == "Envelope" and namespace in SOAP_ENVELOPES.values():
        raise HttpError(
            400,
            f"The envelope's SOAP version does not match the {version} Content-Type",
            errors=[{"code": "VersionMismatch"}],
        )
    raise HttpError(400, f"The body is not a SOAP {version} envelope")


def _soap_part(request, name):
    envelope = soap_envelope(request)
    tag = f"{{{namespace_of(envelope.tag)}}}{name}"
    return envelope.find(tag)


def soap_header(request):
    """The SOAP Header element of the request, None when absent (or when
    the body is not an envelope: for ``caller_key``, which never raises)."""
    try:
        return _soap_part(request, "Header")
    except HttpError:
        return None


def soap_body(request):
    """The operation's element: the first child of the SOAP Body (400 when
    absent)."""
    body = _soap_part(request, "Body")
    if body is None or len(body) == 0:
        raise HttpError(400, "The SOAP Body is missing or empty")
    return body[0]


def soap_answer(request, payload, status=200, headers=None):
    """``payload`` (the operation's response element: an ``Element``, text
    or bytes) in a SOAP envelope of the request's version."""
    version = request.soap_version or "1.1"
    body = (
        f'<s:Envelope xmlns:s="{SOAP_ENVELOPES[version]}"><s:Body>'.encode()
        + _serialize(payload)
        + b"</s:Body></s:Envelope>"
    )
    content_type = f"{SOAP_MEDIA_TYPES[version]}; charset=utf-8"
    return Response(status, body, content_type, headers)


def _qname(code, prefix="s"):
    """``(text, namespace declaration)`` of a fault code: a bare name takes
    ``prefix`` (the envelope's ``s``, or none for ``""``), a ``{ns}name``
    declares its namespace, a prefixed name is kept."""
    if code.startswith("{"):
        namespace, _brace, name = code[1:].partition("}")
        return f"c:{name}", f" xmlns:c={quoteattr(namespace)}"
    if ":" in code or not prefix:
        return code, ""
    return f"{prefix}:{code}", ""


class Soap(Protocol):
    """A SOAP endpoint (1.1 and/or 1.2, see the module's docstring).

    ``namespace``: the operations' namespace (checked when the operation is
    read from the Body); ``action_base``: what precedes the operation name in
    a SOAPAction; ``versions``: the SOAP versions served.
    """

    def __init__(self, namespace=None, action_base=None, versions=("1.1", "1.2")):
        self.namespace = namespace
        self.action_base = action_base
        self.versions = tuple(versions)

    # -- resolution --------------------------------------------------------
    def resolve(self, request):
        media, params = _media_type(request)
        version = next((v for v in self.versions if SOAP_MEDIA_TYPES[v] == media), None)
        request.soap_version = version or self.versions[0]
        if version is None:
            raise HttpError(
                415,
                f"Content-Type {media or 'none'!r} is not a SOAP "
                f"{' or '.join(self.versions)} media type",
            )
        if version == "1.1":
            action = (request.headers.get("SOAPAction") or "").strip().strip('"')
        else:
            action = params.get("action", "")
        if action:
            return self._operation_of(action)
        return self._name_of(soap_body(request), "operation element")

    def _operation_of(self, action):
        if self.action_base:
            if not action.startswith(self.action_base):
                return action  # no route has it: unknown operation
            return action[len(self.action_base) :]
        for separator in "/#:":
            action = action.rpartition(separator)[2]
        return action

    def unknown_operation(self, request, operation):
        return HttpError(
            400,
            f"The message with Action {operation!r} cannot be processed at the "
            "receiver: no operation of this endpoint has that name",
        )

    # -- errors ------------------------------------------------------------
    def fault(self, err):
        """The ``Fault`` answering ``err`` (a service error): override it
        for the API's own codes and texts."""
        if err.errors and err.errors[0].get("code"):
            code = str(err.errors[0]["code"])
        elif err.status in (401, 403):
            code = "Client.Authentication"
        else:
            code = "Client" if err.status < 500 else "Server"
        return Fault(code, err.message)

    def error_response(self, emulator, err):
        if err.gateway:
            return self.gateway_response(err)
        version = getattr(err.request, "soap_version", None) or self.versions[0]
        return self.fault_response(self.fault(err), version, err.status, err.headers)

    @staticmethod
    def fault_response(fault, version="1.1", status=500, headers=None):
        """The answer carrying ``fault`` in SOAP ``version``; ``status`` is
        the error's (SOAP 1.2: below 500, a Sender fault)."""
        reason = escape(fault.reason)
        detail = fault.detail or ""
        if version == "1.1":
            code, declaration = _qname(fault.code)
            detail = f"<detail>{detail}</detail>" if detail else ""
            content = (
                f"<s:Fault><faultcode{declaration}>{code}</faultcode>"
                f"<faultstring>{reason}</faultstring>{detail}</s:Fault>"
            )
            status = 500
        else:
            sender = status < 500
            value = "s:Sender" if sender else "s:Receiver"
            # Client.Authentication -> Sender, subcode Authentication
            specific = fault.code.removeprefix("Client.").removeprefix("Server.")
            subcode = ""
            if specific in SOAP12_CODES:
                value = f"s:{specific}"
            elif specific not in ("Client", "Server"):
                code, declaration = _qname(specific, prefix="")
                subcode = (
                    f"<s:Subcode><s:Value{declaration}>{code}</s:Value></s:Subcode>"
                )
            detail = f"<s:Detail>{detail}</s:Detail>" if detail else ""
            content = (
                f"<s:Fault><s:Code><s:Value>{value}</s:Value>{subcode}</s:Code>"
                f'<s:Reason><s:Text xml:lang="en">{reason}</s:Text></s:Reason>'
                f"{detail}</s:Fault>"
            )
            status = 400 if sender else 500
        envelope = (
            f'<s:Envelope xmlns:s="{SOAP_ENVELOPES[version]}"><s:Body>{content}'
            "</s:Body></s:Envelope>"
        )
        content_type = f"{SOAP_MEDIA_TYPES[version]}; charset=utf-8"
        return Response(status, envelope.encode(), content_type, headers)


# ----------------------------------------------------------------------
# XML over POST
# ----------------------------------------------------------------------
class XmlPost(Protocol):
    """An XML-over-POST endpoint whose body's root element names the
    operation (see the module's docstring).

    ``namespace``: the roots' namespace (checked; also that of the error
    documents); ``error_status``: the HTTP status of the service's error
    documents (200; None: the error's own status).
    """

    def __init__(self, namespace=None, error_status=200):
        self.namespace = namespace
        self.error_status = error_status

    def resolve(self, request):
        return self._name_of(request.xml(), "root element")

    def unknown_operation(self, request, operation):
        return HttpError(400, f"Unknown service {operation!r} at {request.path}")

    def error_root(self, operation):
        """The root element's name of an error document."""
        return f"{operation}_response" if operation else "response"

    def error_document(self, err):
        """The XML error document answering ``err`` (bytes): override it for
        the API's own shape."""
        errors = err.errors or [{"message": err.message}]
        severity = "FATAL" if err.status >= 500 else "ERROR"
        items = []
        for error in errors:
            code = f" code={quoteattr(str(error['code']))}" if error.get("code") else ""
            text = escape(str(error.get("message") or err.message))
            items.append(f'<error severity="{severity}"{code}>{text}</error>')
        root = self.error_root(err.operation)
        namespace = f" xmlns={quoteattr(self.namespace)}" if self.namespace else ""
        return (
            f'<{root}{namespace} status="{severity}">{"".join(items)}</{root}>'
        ).encode()

    def error_response(self, emulator, err):
        if err.gateway:
            return self.gateway_response(err)
        status = err.status
        if self.error_status is not None and status < 500:
            status = self.error_status
        return xml_answer(self.error_document(err), status, err.headers)
