"""Strict readers for raw payload fields.

Mappers read every field through a ``Reader``: it collects each problem with
the path of the field at fault instead of stopping at the first one, so a
record kept in error tells staff everything that is wrong with it.
"""

from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .errors import InvalidPayload

CENT = Decimal("0.01")
_MISSING = object()


def to_cents(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_datetime(value):
    """Parse an ISO 8601 timestamp (``Z`` or offset, optional fraction).

    Naive timestamps are taken as UTC. Returns an aware datetime.
    """
    if not isinstance(value, str) or not value:
        raise ValueError("not a timestamp")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


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
        value = data.get(key, _MISSING) if isinstance(data, dict) else _MISSING
        if value is _MISSING or value is None or value == "":
            if required:
                self.fail(_join(path, key), "missing")
            return default
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.fail(_join(path, key), f"expected a text, got {_kind(value)}")
            return default
        return str(value).strip()

    def decimal(
        self, data, key, path, required=True, default=None, minimum=None, exact=False
    ):
        """A number as a ``Decimal`` rounded to cents, or kept as sent when
        ``exact`` (unit prices may carry more decimals)."""
        value = data.get(key, _MISSING) if isinstance(data, dict) else _MISSING
        if value is _MISSING or value is None:
            if required:
                self.fail(_join(path, key), "missing")
            return default
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.fail(_join(path, key), f"expected a number, got {_kind(value)}")
            return default
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            self.fail(_join(path, key), f"expected a number, got {value!r}")
            return default
        if not number.is_finite():
            self.fail(_join(path, key), f"expected a number, got {value!r}")
            return default
        if minimum is not None and number < minimum:
            self.fail(_join(path, key), f"must be at least {minimum}, got {value!r}")
            return default
        return number if exact else to_cents(number)

    def rate(self, data, key, path):
        """A tax rate in percent, kept with its own precision (5.5, 20)."""
        value = data.get(key) if isinstance(data, dict) else None
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.fail(_join(path, key), f"expected a number, got {_kind(value)}")
            return None
        try:
            rate = Decimal(str(value)).normalize()
        except InvalidOperation:
            self.fail(_join(path, key), f"expected a number, got {value!r}")
            return None
        if not rate.is_finite() or rate < 0 or rate >= 100:
            self.fail(_join(path, key), f"not a tax rate: {value!r}")
            return None
        return rate

    def positive_int(self, data, key, path):
        value = data.get(key, _MISSING) if isinstance(data, dict) else _MISSING
        if value is _MISSING or value is None:
            self.fail(_join(path, key), "missing")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                self.fail(_join(path, key), f"expected a whole number, got {value!r}")
                return None
        if value <= 0:
            self.fail(_join(path, key), f"must be positive, got {value}")
            return None
        return value

    def datetime(self, data, key, path, required=True):
        value = data.get(key, _MISSING) if isinstance(data, dict) else _MISSING
        if value is _MISSING or value is None or value == "":
            if required:
                self.fail(_join(path, key), "missing")
            return None
        try:
            return parse_datetime(value)
        except (TypeError, ValueError):
            self.fail(_join(path, key), f"not a valid date-time: {value!r}")
            return None

    def choice(self, data, key, path, choices, required=True, default=None):
        value = self.str(data, key, path, required=required, default=default)
        if value is not None and value not in choices:
            self.fail(_join(path, key), f"unknown value {value!r}")
            return None
        return value


def _join(path, key):
    return f"{path}.{key}" if path else str(key)


def _kind(value):
    return type(value).__name__
