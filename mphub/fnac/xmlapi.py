"""The Fnac Darty XML API: one POST per service, one token, one error rule.

Every request is an XML document POSTed as ``text/xml`` to
``<base>/<service>`` (production ``https://vendeur.fnac.com/api.php``),
its root named after the service in the ``mp-dialog`` namespace; the answer's
root is ``<service>_response`` with a ``status`` attribute (OK, WARNING,
ACTIVE, RUNNING, ERROR, FATAL) and ``error`` elements
(``<error severity=".." code="ERR_nnn">text</error>``), answered with HTTP
200 even for errors.

- **One place builds and sends every request**: ``FnacApi.post(service,
  root)`` puts the account's ``partner_id``, ``shop_id`` and ``token`` on the
  root, serializes it and sends it; ``recorder`` (a callable ``(service,
  body)``), when set, sees every body sent, ``auth`` included (the contract
  test validates them against the official XSDs).
- **Token**: ``auth`` (partner id, shop id, key) gives a token and its
  ``validity``, kept in the ``mphub.tokens`` store under (base URL, partner
  id, shop id) and renewed ``RENEW_MARGIN`` before it ends. Expiry has no
  documented code: a root-level ``error`` whose code is not one of
  ``BUSINESS_CODES`` drops the token, re-authenticates once and resends; the
  same again is an ``AuthError`` when it speaks of authentication, else a
  ``RemoteError``. The key and the tokens are masked in every message.
- **Statuses**: WARNING is a success. ERROR or FATAL with only ``error``
  elements at the root is a call error (``RemoteError`` with the code);
  ERROR carrying results (orders, offers, products...) is an answer, read
  by the caller: partial results are never thrown away.
- Faults: 429 -> ``ThrottledError``, 5xx and timeouts -> ``TransientError``,
  an answer that is not well-formed XML (cut) -> ``TransientError``, a
  well-formed answer of another service -> ``RemoteError``.
"""

import re
from datetime import timedelta, timezone
from zoneinfo import ZoneInfo

from lxml import etree

from ..errors import AuthError, ConfigError, RemoteError
from ..http import DEFAULT_TIMEOUT, HttpTransport, clean_secret, xml_error_classifier
from ..parsing import parse_datetime
from ..tokens import TokenKeeper, utc_now
from .payload import NS, element_to_json, local_name

PRODUCTION_URL = "https://vendeur.fnac.com/api.php"
PARIS = ZoneInfo("Europe/Paris")
# documented or project codes of errors that are the request's, not the
# token's: resending with a new token would change nothing
BUSINESS_CODES = frozenset({"ERR_096", "ERR_103", "ERR_104", "ERR_105"})
# children of an answer that are results: an ERROR answer holding some is
# read (partial results), not raised
RESULT_TAGS = frozenset(
    {"order", "offer", "pricing_product", "message", "incident", "carrier", "token"}
)
AUTH_WORDS = ("token", "auth", "expired", "partner_id", "shop_id", "credential")
DEFAULT_TOKEN_LIFETIME = timedelta(hours=1)
UUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
# characters XML 1.0 cannot carry, even escaped
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
MAX_SECRETS = 8  # tokens kept masked besides the key


# ----------------------------------------------------------------------
# building requests
# ----------------------------------------------------------------------
def xml_text(value):
    """``value`` as text an XML document can carry (characters XML 1.0
    forbids removed; escaping is lxml's)."""
    return _NOT_XML.sub("", str(value))


def request_root(service, **attributes):
    """The root element of a ``service`` request, in the mp-dialog
    namespace, with ``attributes`` (None ones left out)."""
    root = etree.Element(f"{{{NS}}}{service}", nsmap={None: NS})
    for name, value in attributes.items():
        if value is not None:
            root.set(name, str(value))
    return root


def add(parent, tag, text=None, **attributes):
    """Append the child ``tag`` to ``parent`` (in order: the XSDs are
    sequences) with ``text`` and ``attributes``; return it."""
    child = etree.SubElement(parent, f"{{{NS}}}{tag}")
    for name, value in attributes.items():
        if value is not None:
            child.set(name, str(value))
    if text is not None:
        child.text = xml_text(text)
    return child


def serialize(root):
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def aware(when):
    """``when`` with a time zone (a naive one is UTC)."""
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def stamp(when):
    """An aware datetime as ``xs:dateTime`` in UTC, to the millisecond
    (floored: a window's bounds never reach past what was asked)."""
    return when.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def parse_stamp(text):
    """An ``xs:dateTime`` of Fnac's as an aware UTC datetime (offset-less:
    Europe/Paris time); ``ValueError`` when unreadable."""
    return parse_datetime(text, naive_zone=PARIS)


# ----------------------------------------------------------------------
# reading answers
# ----------------------------------------------------------------------
def text_of(value):
    """The text of a JSON leaf (``element_to_json``): a string, the
    ``#text`` of a leaf with attributes, ``""`` otherwise."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict) and isinstance(value.get("#text"), str):
        return value["#text"].strip()
    return ""


def items(value):
    """A JSON value that may be one record or a list of them, as a list of
    dicts (anything else left out)."""
    values = value if isinstance(value, list) else [value]
    return [item for item in values if isinstance(item, dict)]


def errors_of(record):
    """``[(code, text)]`` of the ``error`` children of a JSON record."""
    found = []
    for error in record.get("error", []) if isinstance(record, dict) else ():
        if isinstance(error, dict):
            found.append((error.get("@code") or None, text_of(error)))
        elif isinstance(error, str):
            found.append((None, error.strip()))
    return found


def describe(errors):
    """Errors as one line: ``ERR_120 unknown product; ...``."""
    said = [" ".join(part for part in error if part) for error in errors]
    return "; ".join(part for part in said if part) or "no reason given"


def root_error(root):
    """The classifier's reading: ``(message, code)`` of an answer whose
    status is ERROR or FATAL with ``error`` elements at its root and no
    results; None for any other answer (WARNING and partial results are
    answers)."""
    status = (root.get("status") or "").strip().upper()
    if status not in ("ERROR", "FATAL"):
        return None
    errors = [child for child in root if local_name(str(child.tag)) == "error"]
    if not errors:
        return None
    message = (errors[0].text or "").strip() or f"status {status}"
    tags = {local_name(str(child.tag)) for child in root}
    if tags & RESULT_TAGS:
        return None
    # a batch's own verdict comes with its id; a token refused does not
    if "batch_id" in tags and not looks_like_auth(message):
        return None
    return message, errors[0].get("code")


def looks_like_auth(message):
    text = str(message).lower()
    return any(word in text for word in AUTH_WORDS)


class FnacApi:
    """The transport, the token and the one ``post`` of a Fnac shop."""

    def __init__(
        self,
        base_url,
        partner_id,
        shop_id,
        key,
        *,
        timeout=DEFAULT_TIMEOUT,
        token_store=None,
        session=None,
    ):
        self.partner_id = clean_secret(partner_id)
        self.shop_id = clean_secret(shop_id)
        self.key = clean_secret(key)
        for label, value in (
            ("partner id", self.partner_id),
            ("shop id", self.shop_id),
        ):
            if not UUID.fullmatch(value):
                raise ConfigError(
                    f"The Fnac {label} {value[:60]!r} is not a uuid "
                    "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)."
                )
        if not self.key:
            raise ConfigError("The Fnac key is not set.")
        self.transport = HttpTransport(
            (base_url or PRODUCTION_URL).strip(),
            timeout=timeout,
            secrets=(self.key,),
            classifier=xml_error_classifier(root_error),
        )
        if session is not None:
            session.headers.setdefault(
                "User-Agent", self.transport.session.headers["User-Agent"]
            )
            self.transport.session.close()
            self.transport.session = session
        self.keeper = TokenKeeper(
            token_store,
            (self.transport.base_url, self.partner_id, self.shop_id),
            self.authenticate,
        )
        self.recorder = None  # callable(service, body) seeing every request

    def close(self):
        self.transport.close()

    def _mask_token(self, token):
        if token and token not in self.transport.secrets:
            secrets = self.transport.secrets
            self.transport.secrets = (secrets[0], *secrets[1:][-MAX_SECRETS:], token)

    # -- sending -------------------------------------------------------------
    def _send(self, service, root, lists):
        body = serialize(root)
        if self.recorder is not None:
            self.recorder(service, body)
        answer = self.transport.xml("POST", f"/{service}", body=body, operation=service)
        if local_name(str(answer.tag)) != f"{service}_response":
            raise RemoteError(
                f"{service}: the answer is a {local_name(str(answer.tag))[:60]!r} "
                f"document, not {service}_response: check the endpoint URL "
                f"({self.transport.base_url})",
                code="unexpected_answer",
            )
        return element_to_json(answer, lists)

    def authenticate(self):
        """``auth``: a new token and its validity (``TokenKeeper``'s
        fetch)."""
        root = request_root("auth")
        for tag, value in (
            ("partner_id", self.partner_id),
            ("shop_id", self.shop_id),
            ("key", self.key),
        ):
            add(root, tag, value)
        try:
            answer = self._send("auth", root, ())
        except RemoteError as err:
            if not _root_level(err):
                raise
            raise AuthError(
                f"auth: Fnac refused the partner id {self.partner_id}, the shop id "
                f"{self.shop_id} and their key ({err.code or 'no code'}: "
                f"{_said(err)})"
            ) from None
        token = text_of(answer.get("token"))
        if not token:
            raise RemoteError("auth: the answer holds no token", code="no_token")
        self._mask_token(token)
        now = utc_now()
        try:
            validity = parse_stamp(text_of(answer.get("validity")))
        except ValueError:
            validity = now + DEFAULT_TOKEN_LIFETIME
        return token, validity

    def post(self, service, root, lists=()):
        """Send the request ``root`` of ``service`` with the token; the
        answer as JSON (``element_to_json`` with ``lists``). A root-level
        error other than ``BUSINESS_CODES`` is answered once with a new
        token."""
        root.set("partner_id", self.partner_id)
        root.set("shop_id", self.shop_id)
        for attempt in (1, 2):
            token = self.keeper.token()
            self._mask_token(token)
            root.set("token", token)
            try:
                return self._send(service, root, lists)
            except (RemoteError, AuthError) as err:
                refused = isinstance(err, AuthError) or (
                    _root_level(err) and err.code not in BUSINESS_CODES
                )
                if not refused:
                    raise
                self.keeper.drop(token)
                if attempt == 2:
                    if isinstance(err, AuthError) or looks_like_auth(_said(err)):
                        raise AuthError(
                            f"{service}: Fnac refused a new token of shop "
                            f"{self.shop_id} ({err.code or 'no code'}: {_said(err)}): "
                            "check the account's partner id, shop id and key"
                        ) from None
                    raise


def _root_level(err):
    """Whether ``err`` is a root-level error document (answered 2xx)."""
    return isinstance(err, RemoteError) and 200 <= (err.status or 0) < 300


def _said(err):
    """The remote's message in ``err`` (without the ``service: HTTP 200``
    prefix the transport adds)."""
    text = str(err)
    marker = f"HTTP {err.status} " if getattr(err, "status", None) else ""
    return text.split(marker, 1)[-1] if marker and marker in text else text
