"""zeep on the core's HTTP path, for the Cdiscount SOAP client.

``SoapService`` binds zeep to the service at ``soap_url``: zeep loads the
WSDL and its XSDs from the service itself (``<soap_url>?wsdl``, parsed once
per process and URL: accounts share the parsed description, not their
transports), and every request goes through the client's
``mphub.http.HttpTransport`` (one timeout and deadline, secrets masked, one
error mapping: a Fault answered with 500 is the service's verdict, a front
end's 429/5xx page is transient). zeep's own errors are the core's, and
zeep logs nothing of the envelopes (the token is in their header).

zeep is strict (``Settings(strict=True)``): a cut or unreadable answer is
never read as a shorter valid one. A 404 or 403 of the service is a
``ConfigError``: Octopia answers so once it closed the account's SOAP
access.
"""

import contextlib
import threading
from urllib.parse import urlsplit

import zeep
import zeep.exceptions
from lxml import etree
from zeep.wsdl import Document

from .. import __version__
from ..errors import (
    AuthError,
    ConfigError,
    MphubError,
    NotFound,
    RemoteError,
    ThrottledError,
    TransientError,
)
from ..http import HttpTransport, mask_secrets, soap_classifier
from . import soap_answers

BINDING = "{http://tempuri.org/}BasicHttpBinding_IMarketplaceAPIService"
# fault codes (local part) of a token the service does not accept
TOKEN_FAULTS = ("RequestTokenValidationError", "Client.Authentication")
CLOSED = (
    "the Cdiscount SOAP API is closed for this account: switch it to Octopia "
    "REST (or check the SOAP URL)"
)
SETTINGS = zeep.Settings(strict=True, forbid_dtd=True, forbid_external=True)
_DOCUMENTS = {}  # WSDL URL -> parsed zeep Document, shared in the process
_DOCUMENTS_LOCK = threading.Lock()


def soap_transport(soap_url, timeout, secrets):
    """The ``HttpTransport`` of a SOAP service: a token fault is an
    ``AuthError``, another Fault a ``RemoteError``."""
    return HttpTransport(
        soap_url,
        timeout=timeout,
        secrets=secrets,
        classifier=soap_classifier(auth_codes=TOKEN_FAULTS),
    )


def closed_guard(operation, send):
    """``send()``, a 404 or 403 of the service turned into ``ConfigError``."""
    try:
        return send()
    except NotFound:
        raise ConfigError(f"{operation}: HTTP 404: {CLOSED}") from None
    except AuthError as err:
        if err.status == 403:
            raise ConfigError(f"{operation}: HTTP 403: {CLOSED}") from None
        raise


def token_refused(err):
    """Whether the service refused the token (a token fault, a 401)."""
    return isinstance(err, AuthError) and err.status in (401, 500)


class _ZeepTransport(zeep.Transport):
    """zeep's transport on an ``HttpTransport``."""

    def __init__(self, http, loader):
        super().__init__(
            session=http.session, timeout=http.timeout, operation_timeout=http.timeout
        )
        http.session.headers["User-Agent"] = f"mphub/{__version__}"
        self.http = http
        self.loader = loader

    def post(self, address, message, headers):
        action = str(headers.get("SOAPAction") or "").strip('"')
        operation = action.rpartition("/")[2] or "SOAP"
        return closed_guard(
            operation,
            lambda: self.http.request(
                "POST", "", data=message, headers=headers, operation=operation
            ),
        )

    def load(self, url):
        return self.loader(url)


class SoapService:
    """The operations of the service at ``http.base_url`` through zeep."""

    def __init__(self, http):
        self.http = http
        self.url = http.base_url
        self._zeep = _ZeepTransport(http, self._load)
        self._service = None

    def mask(self, text):
        return mask_secrets(text, self.http.secrets)

    def _load(self, url):
        """A WSDL or XSD document zeep asks for, through the transport."""
        if urlsplit(url).scheme not in ("http", "https"):
            raise ConfigError(f"the WSDL imports {url[:200]!r}, not an http(s) URL")
        if url.startswith(self.url):
            path = url[len(self.url) :]
            return closed_guard(
                "WSDL", lambda: self.http.request("GET", path, operation="WSDL")
            ).content
        other = HttpTransport(url, timeout=self.http.timeout)
        try:
            return closed_guard(
                "WSDL", lambda: other.request("GET", "", operation="WSDL")
            ).content
        finally:
            other.close()

    def _document(self):
        url = self.url + "?wsdl"
        with _DOCUMENTS_LOCK:
            document = _DOCUMENTS.get(url)
        if document is None:
            with self.errors("WSDL"):
                document = Document(url, self._zeep, settings=SETTINGS)
            with _DOCUMENTS_LOCK:
                document = _DOCUMENTS.setdefault(url, document)
        return document

    def _bound(self):
        if self._service is None:
            client = zeep.Client(
                self._document(), transport=self._zeep, settings=SETTINGS
            )
            try:
                self._service = client.create_service(BINDING, self.url)
            except ValueError:
                raise ConfigError(
                    f"the WSDL at {self.url}?wsdl does not describe the "
                    "Cdiscount Marketplace API"
                ) from None
        return self._service

    def call(self, operation, header, **arguments):
        """The plain answer (``soap_answers.plain``) of ``operation``."""
        service = self._bound()
        with self.errors(operation):
            answer = getattr(service, operation)(headerMessage=header, **arguments)
            return soap_answers.plain(answer)

    @contextlib.contextmanager
    def errors(self, operation):
        """zeep's errors as the core's, masked."""
        try:
            yield
        except MphubError:
            raise
        except zeep.exceptions.Fault as err:
            code = str(err.code or "").rpartition(":")[2]
            message = self.mask(f"{operation}: {code} {err.message}".strip())
            if code in TOKEN_FAULTS:
                raise AuthError(message, status=500) from None
            raise RemoteError(message, status=500, code=code or None) from None
        except zeep.exceptions.TransportError as err:
            status = err.status_code or 0
            kind = ThrottledError if status == 429 else TransientError
            raise kind(
                f"{operation}: HTTP {status}: the answer is not readable SOAP",
                status=status,
            ) from None
        except (zeep.exceptions.XMLSyntaxError, etree.XMLSyntaxError):
            raise TransientError(
                f"{operation}: the answer is not well-formed XML"
            ) from None
        except zeep.exceptions.XMLParseError as err:
            raise TransientError(
                self.mask(f"{operation}: the answer does not follow the WSDL ({err})")
            ) from None
        except (zeep.exceptions.ValidationError, TypeError) as err:
            raise RemoteError(
                self.mask(f"{operation}: the request cannot be built ({err})")
            ) from None
        except zeep.exceptions.Error as err:  # DTDForbidden, EntitiesForbidden...
            raise TransientError(
                f"{operation}: the answer cannot be read ({type(err).__name__})"
            ) from None
