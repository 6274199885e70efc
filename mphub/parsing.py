"""Strict readers for raw payload fields.

Mappers read every field through a ``Reader``: it collects each problem with
the path of the field at fault instead of stopping at the first one, so a
record kept in error tells staff everything that is wrong with it.
"""

import json
import math
import re
import zlib
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal

from .errors import InvalidPayload, TransientError

CENT = Decimal("0.01")
EXACT = Decimal("0.000001")  # precision of amounts kept as sent (unit prices)
_MISSING = object()


def to_cents(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


EARLIEST = datetime(1990, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2200, 1, 1, tzinfo=timezone.utc)


def parse_datetime(value, naive_zone=timezone.utc):
    """Parse an ISO 8601 timestamp (``Z`` or offset, optional fraction).

    Naive timestamps are taken in ``naive_zone`` (UTC by default; a
    ``zoneinfo.ZoneInfo`` such as Europe/Paris, the first of a repeated
    hour). Returns an aware UTC datetime between 1990 and 2200 (a
    marketplace date outside is nonsense); raises ``ValueError`` otherwise.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValueError("not a timestamp")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=naive_zone, fold=0)
        parsed = parsed.astimezone(timezone.utc)
    except (OverflowError, ValueError) as err:
        raise ValueError("not a timestamp") from err
    if not EARLIEST <= parsed < LATEST:
        raise ValueError("out of range")
    return parsed


def format_datetime(value):
    """UTC ISO 8601 with milliseconds and ``Z``, as most marketplaces want."""
    value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


class Reader:
    """Reads fields of nested dicts, recording problems by path."""

    def __init__(self):
        self.errors = []

    def fail(self, path, message):
        self.errors.append(f"{path}: {message}")

    def raise_if_errors(self):
        if self.errors:
            raise InvalidPayload(self.errors)

    def obj(self, data, key, path, required=True):
        value = data.get(key, _MISSING) if isinstance(data, dict) else _MISSING
        if value is _MISSING or value is None:
            if required:
                self.fail(_join(path, key), "missing")
            return None
        if not isinstance(value, dict):
            self.fail(_join(path, key), f"expected an object, got {_kind(value)}")
            return None
        return value

    def list(self, data, key, path, required=True, non_empty=False):
        value = data.get(key, _MISSING) if isinstance(data, dict) else _MISSING
        if value is _MISSING or value is None:
            if required:
                self.fail(_join(path, key), "missing")
            return []
        if not isinstance(value, list):
            self.fail(_join(path, key), f"expected a list, got {_kind(value)}")
            return []
        if non_empty and not value:
            self.fail(_join(path, key), "empty")
        return value

    def str(self, data, key, path, required=True, default=None):
        """A text (a whole number is taken as its digits), stripped; control
        characters (NUL included, which PostgreSQL cannot store) are
        removed; blank is missing."""
        value = data.get(key, _MISSING) if isinstance(data, dict) else _MISSING
        if value is _MISSING or value is None:
            if required:
                self.fail(_join(path, key), "missing")
            return default
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.fail(_join(path, key), f"expected a text, got {_kind(value)}")
            return default
        text = _CONTROL.sub("", str(value)).strip()
        if not text:
            if required:
                self.fail(_join(path, key), "missing")
            return default
        if len(text) > MAX_TEXT:
            self.fail(_join(path, key), f"longer than {MAX_TEXT} characters")
            return default
        return text

    def currency(self, data, key, path, required=True, default=None):
        """An ISO 4217 currency code, upper case."""
        code = self.str(data, key, path, required=required)
        if code is None:
            return default
        if code.upper() not in CURRENCIES:
            self.fail(_join(path, key), f"not an ISO 4217 currency: {_show(code)}")
            return default
        return code.upper()

    def decimal(
        self, data, key, path, required=True, default=None, minimum=None, exact=False
    ):
        """A number as a ``Decimal`` rounded to cents, or kept as sent when
        ``exact`` (unit prices may carry more decimals). A JSON number or a
        plain decimal text ("19.90"); no comma, no exponent, no NaN or
        infinity, below a billion in magnitude."""
        value = data.get(key, _MISSING) if isinstance(data, dict) else _MISSING
        if value is _MISSING or value is None:
            if required:
                self.fail(_join(path, key), "missing")
            return default
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.fail(_join(path, key), f"expected a number, got {_kind(value)}")
            return default
        number = _exact_number(value)
        if number is None:
            self.fail(_join(path, key), f"expected a number, got {_show(value)}")
            return default
        if abs(number) >= MAX_AMOUNT:
            self.fail(_join(path, key), f"out of range, got {_show(value)}")
            return default
        if minimum is not None and number < minimum:
            self.fail(_join(path, key), f"must be at least {minimum}, got {value!r}")
            return default
        if exact:
            return number.quantize(EXACT, rounding=ROUND_HALF_UP).normalize()
        return to_cents(number)

    def rate(self, data, key, path):
        """A tax rate in percent, kept with its own precision (5.5, 20)."""
        value = data.get(key) if isinstance(data, dict) else None
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.fail(_join(path, key), f"expected a number, got {_kind(value)}")
            return None
        rate = _exact_number(value)
        if rate is None or rate < 0 or rate >= 100:
            self.fail(_join(path, key), f"not a tax rate: {_show(value)}")
            return None
        return rate.normalize()

    def positive_int(self, data, key, path):
        value = data.get(key, _MISSING) if isinstance(data, dict) else _MISSING
        if value is _MISSING or value is None:
            self.fail(_join(path, key), "missing")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and math.isfinite(value) and value.is_integer():
                value = int(value)
            else:
                self.fail(_join(path, key), f"expected a whole number, got {value!r}")
                return None
        if value <= 0 or value > MAX_COUNT:
            self.fail(_join(path, key), f"must be from 1 to {MAX_COUNT}, got {value}")
            return None
        return value

    def datetime(self, data, key, path, required=True, naive_zone=timezone.utc):
        """An ISO 8601 date-time (see ``parse_datetime``); a blank one is
        missing."""
        value = data.get(key, _MISSING) if isinstance(data, dict) else _MISSING
        if value is _MISSING or value is None or value == "":
            if required:
                self.fail(_join(path, key), "missing")
            return None
        try:
            return parse_datetime(value, naive_zone)
        except (TypeError, ValueError):
            self.fail(_join(path, key), f"not a valid date-time: {_show(value)}")
            return None

    def choice(self, data, key, path, choices, required=True, default=None):
        value = self.str(data, key, path, required=required, default=default)
        if value is not None and value not in choices:
            self.fail(_join(path, key), f"unknown value {_show(value)}")
            return None
        return value

    # -- strict readers of marketplace answers (listings, pushes, reports) --
    def bool(self, data, key, path, required=False, default=None):
        """A boolean: ``true``/``false`` (also as text, any case) or 0/1.

        Anything else is an error: ``"false"`` must never read as true."""
        value = data.get(key, _MISSING) if isinstance(data, dict) else _MISSING
        if value is _MISSING or value is None:
            if required:
                self.fail(_join(path, key), "missing")
            return default
        parsed = parse_bool(value)
        if parsed is None:
            self.fail(_join(path, key), f"expected a boolean, got {_show(value)}")
            return default
        return parsed

    def count(self, data, key, path, required=False, default=None, maximum=None):
        """A whole number from 0 to ``maximum`` (``MAX_COUNT``): quantities,
        line counts."""
        maximum = MAX_COUNT if maximum is None else maximum
        value = data.get(key, _MISSING) if isinstance(data, dict) else _MISSING
        if value is _MISSING or value is None:
            if required:
                self.fail(_join(path, key), "missing")
            return default
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(_join(path, key), f"expected a whole number, got {_show(value)}")
            return default
        if value < 0 or value > maximum:
            self.fail(_join(path, key), f"out of range (0 to {maximum}), got {value}")
            return default
        return value

    def amount(self, data, key, path, required=False, default=None, maximum=None):
        """A non-negative amount rounded to cents, at most ``maximum``
        (``MAX_AMOUNT``), given as a JSON number or a plain decimal text
        (``"19.90"``; no exponent, no comma)."""
        maximum = MAX_AMOUNT if maximum is None else maximum
        value = data.get(key, _MISSING) if isinstance(data, dict) else _MISSING
        if value is _MISSING or value is None:
            if required:
                self.fail(_join(path, key), "missing")
            return default
        number = parse_amount(value)
        if number is None:
            self.fail(_join(path, key), f"expected an amount, got {_show(value)}")
            return default
        if number < 0 or number > maximum:
            self.fail(_join(path, key), f"out of range (0 to {maximum}), got {value}")
            return default
        return number

    def identifier(self, data, key, path, required=True, default=None, numbers=False):
        """An id or SKU: a text (a whole number too when ``numbers``),
        stripped, not blank, without control characters, not too long."""
        value = data.get(key, _MISSING) if isinstance(data, dict) else _MISSING
        if value is _MISSING or value is None:
            if required:
                self.fail(_join(path, key), "missing")
            return default
        if numbers and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.fail(_join(path, key), f"expected a text, got {_kind(value)}")
            return default
        problem = identifier_problem(value)
        if problem:
            if problem == "blank" and not required:
                return default
            self.fail(_join(path, key), f"{problem}: {_show(value)}")
            return default
        return value.strip()

    def text(self, data, key, path, required=False, default=None, max_length=1000):
        """A free text (title, message): control characters become spaces,
        stripped, cut at ``max_length``; blank is missing."""
        value = data.get(key, _MISSING) if isinstance(data, dict) else _MISSING
        if value is not _MISSING and value is not None and not isinstance(value, str):
            self.fail(_join(path, key), f"expected a text, got {_kind(value)}")
            return default
        value = clean_text(value, max_length) if isinstance(value, str) else None
        if not value:
            if required:
                self.fail(_join(path, key), "missing")
            return default
        return value

    def enum(self, data, key, path, choices, required=True, default=None):
        """One of ``choices``, exactly (no case folding, no substring)."""
        value = data.get(key, _MISSING) if isinstance(data, dict) else _MISSING
        if value is _MISSING or value is None:
            if required:
                self.fail(_join(path, key), "missing")
            return default
        if not isinstance(value, str) or value not in choices:
            self.fail(_join(path, key), f"unknown value {_show(value)}")
            return default
        return value

    def texts(self, data, key, path, required=False):
        """A list of texts (``["BUYABLE", "DISCOVERABLE"]``)."""
        values = self.list(data, key, path, required=required)
        good = []
        for index, value in enumerate(values):
            if isinstance(value, str) and not identifier_problem(value):
                good.append(value.strip())
            else:
                self.fail(f"{_join(path, key)}[{index}]", f"not a text: {_show(value)}")
        return good

    def records(self, data, key, path, required=False):
        """A list of objects; an entry that is not an object is an error."""
        values = self.list(data, key, path, required=required)
        good = []
        for index, value in enumerate(values):
            if isinstance(value, dict):
                good.append(value)
            else:
                self.fail(
                    f"{_join(path, key)}[{index}]",
                    f"expected an object, got {_kind(value)}",
                )
        return good


def _join(path, key):
    return f"{path}.{key}" if path else str(key)


def _kind(value):
    return type(value).__name__


# -- strict values of marketplace answers ---------------------------------

MAX_COUNT = 10**9  # a quantity or line count beyond this is not believable
MAX_AMOUNT = Decimal(10) ** 9  # nor a price
MAX_IDENTIFIER = 255  # characters of an id or SKU
MAX_DOCUMENT = 256 * 1024 * 1024  # bytes of an unpacked report document
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_AMOUNT = re.compile(r"[+-]?(?:[0-9]{1,15}(?:\.[0-9]{0,12})?|\.[0-9]{1,12})")
_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})


def parse_bool(value):
    """True, False, or None when ``value`` is not a boolean the way JSON
    APIs write one (``true``, ``"TRUE"``, ``1``...)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    return None


def parse_amount(value):
    """A finite ``Decimal`` rounded to cents from a JSON number or a plain
    decimal text, else None (NaN, infinity, exponents, commas, booleans)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        value = repr(value)
    elif isinstance(value, int):
        if abs(value) >= 10**15:
            return None
        value = str(value)
    elif not isinstance(value, str):
        return None
    text = value.strip()
    if not _AMOUNT.fullmatch(text):
        return None
    return Decimal(text).quantize(CENT, rounding=ROUND_HALF_UP)


def identifier_problem(value):
    """Why ``value`` (a text) cannot be an id or SKU, or None."""
    if not value.strip():
        return "blank"
    if _CONTROL.search(value):
        return "control character in"
    if len(value) > MAX_IDENTIFIER:
        return f"longer than {MAX_IDENTIFIER} characters"
    return None


def clean_text(value, max_length=1000):
    """``value`` without control characters (NUL included, which
    PostgreSQL cannot store), stripped and cut at ``max_length``."""
    if not isinstance(value, str):
        return ""
    return _CONTROL.sub(" ", value[: max_length * 2]).strip()[:max_length]


def _show(value):
    """A short, printable picture of a refused value for a reason text."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def decode_document(content, what="document", max_size=MAX_DOCUMENT):
    """The text of a downloaded document: ``bytes`` (gzipped or not,
    UTF-8 with or without BOM) or ``str``. A document cut short, packed
    badly, too large or not UTF-8 is a ``TransientError``: the download
    is asked again."""
    if isinstance(content, str):
        return content.lstrip("\ufeff")
    if not isinstance(content, bytes | bytearray):
        raise TransientError(f"{what}: no document ({_kind(content)})")
    data = bytes(content)
    if data[:2] == b"\x1f\x8b":
        unpacker = zlib.decompressobj(wbits=31)
        try:
            data = unpacker.decompress(data, max_size + 1)
        except zlib.error as err:
            raise TransientError(f"{what}: damaged gzip ({err})") from err
        if len(data) > max_size:
            raise TransientError(f"{what}: larger than {max_size} bytes")
        if not unpacker.eof:
            raise TransientError(f"{what}: the gzip document is cut short")
    try:
        return data.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError as err:
        raise TransientError(f"{what}: not UTF-8 text ({err.reason})") from err


def load_json_document(content, what="document"):
    """``decode_document`` then JSON; unreadable JSON (truncated, nested
    beyond reason) is a ``TransientError``."""
    text = decode_document(content, what)
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as err:
        raise TransientError(f"{what}: not valid JSON ({type(err).__name__})") from err


MAX_TEXT = 10000  # characters of a text field of an order


def _exact_number(value):
    """A finite ``Decimal`` from a JSON number or a plain decimal text, or
    None (comma, exponent, NaN, infinity, garbage)."""
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, int):
        return Decimal(value) if abs(value) < 10**15 else None
    text = value.strip()
    if not _NUMBER.fullmatch(text):
        return None
    return Decimal(text)


_NUMBER = re.compile(r"[+-]?(?:[0-9]{1,15}(?:\.[0-9]{0,20})?|\.[0-9]{1,20})")


# ISO 4217 codes of the currencies in use
CURRENCIES = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB
    BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC
    CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF
    GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF
    KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU
    MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR
    PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP
    STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU
    UYW UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL
    """.split()
)
