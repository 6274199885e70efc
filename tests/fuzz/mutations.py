"""Hypothesis strategies that turn a realistic payload into hostile ones.

``mutated(payload)`` takes any JSON-like value (dicts, lists, texts,
numbers, booleans, None) and draws a deep copy with one to a few
mutations applied at random places: a key removed, a value replaced by one
of the wrong JSON type or by a hostile one (huge, negative, NaN, infinite,
a number as text with a comma, blank or whitespace-only, very long, NUL and
control characters, odd or out-of-range dates), a list entry duplicated, a
value wrapped in a list or an object, an unknown key added. Every node of
the payload, the payload itself included, can be chosen, so the strategy
fits order payloads as well as listings or reports.

``mutated_document(content)`` does the same for a downloaded document
(bytes): cut short, gzipped (whole or cut), bytes that are not UTF-8, a
BOM, or a JSON document of a mutated payload. ``header_values()`` draws
hostile HTTP header texts.
"""

import copy
import gzip
import json
import math

from hypothesis import strategies as st

HUGE = 10**400
HOSTILE_SCALARS = (
    None,
    True,
    False,
    0,
    -1,
    1,
    2**31,
    2**63,
    -(2**63),
    HUGE,
    -HUGE,
    1e308,
    -1e308,
    1e-300,
    0.1,
    -0.01,
    float("nan"),
    float("inf"),
    float("-inf"),
    "",
    " ",
    "   \t\n ",
    "\x00",
    "A\x00B",
    "\x1b[31mred\x1b[0m",
    "\u2028",
    "\ud800",
    "1,5",
    "12,90",
    "1 000,00",
    "1e999",
    "-1e999",
    "1E5",
    "NaN",
    "nan",
    "Infinity",
    "-Infinity",
    "-0",
    "0x10",
    "\u0663",
    "\u00b2",
    "true",
    "false",
    "TRUE",
    "False",
    "null",
    "None",
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "2026-02-30T00:00:00Z",
    "2026-13-01",
    "10000-01-01T00:00:00Z",
    "Thu, 01 Jan 1970 00:00:00 GMT",
    "x" * 10_000,
    [],
    {},
    [[]],
    {"": None},
    [None],
)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=0x9F), max_size=10),
)


def _nested(depth):
    value = None
    for _ in range(depth):
        value = [value]
    return value


def hostile_values():
    """Any value a broken or hostile marketplace could put in a field."""
    return st.one_of(
        st.sampled_from(HOSTILE_SCALARS),
        json_scalars,
        st.builds(_nested, st.integers(min_value=20, max_value=250)),
        st.lists(json_scalars, max_size=4),
        st.dictionaries(st.text(max_size=8), json_scalars, max_size=3),
    )


def _paths(value, max_depth=30):
    """The paths of the nodes of ``value`` (the root is ``()``), down to
    ``max_depth`` levels."""
    stack = [((), value)]
    while stack:
        path, node = stack.pop()
        yield path
        if len(path) >= max_depth:
            continue
        if isinstance(node, dict):
            stack.extend((path + (key,), child) for key, child in node.items())
        elif isinstance(node, list):
            stack.extend((path + (i,), child) for i, child in enumerate(node))


def _get(root, path):
    for step in path:
        root = root[step]
    return root


def _set(root, path, value):
    if not path:
        return value
    _get(root, path[:-1])[path[-1]] = value
    return root


LONG_TEXT = 200_000  # characters of the longest text a mutation makes


def _variants(value):
    """Hostile variants of ``value`` itself: same meaning, other type or
    form, or a close but wrong value."""
    out = []
    if isinstance(value, bool):
        out += [str(value).lower(), str(value), int(value), "yes"]
    elif isinstance(value, int | float):
        finite = isinstance(value, int) or math.isfinite(value)
        out += [repr(value)[:4000], -value if finite else 0]
        if finite:
            text = repr(value)[:4000]
            out += [text.replace(".", ","), text + " ", value * 10**30]
            if abs(value) < 1e300:
                out += [f"{value:,}", float(value) + 0.5]
    elif isinstance(value, str):
        out += [
            f"  {value}  ",
            " " * len(value),
            value + "\x00",
            "\x00" + value,
            value[: len(value) // 2],
            # very long, but bounded: mutations stack up to three times
            value * max(1, min(1000, LONG_TEXT // max(len(value), 1))),
            value.upper(),
            value.lower(),
            "NOT_" + value,
            value + "_X",
            value.replace(".", ","),
        ]
        if value.isascii() and value.replace(".", "", 1).isdigit():
            out += [float(value), value + "e400", "-" + value]
    elif isinstance(value, list):
        twice = value * 2 if len(value) < 1000 else value
        out += [twice, value[:1], value[1:], value + value[:1], [value]]
        out += [dict(enumerate(value))]
    elif isinstance(value, dict):
        out += [[value], list(value), {**value, "unexpected": {"a": [1]}}]
    return out or [None]


@st.composite
def _mutate_once(draw, value):
    path = draw(st.sampled_from(list(_paths(value))))
    current = _get(value, path)
    kind = draw(st.integers(min_value=0, max_value=4))
    if kind == 0 and path:
        parent = _get(value, path[:-1])
        if isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent.insert(path[-1], copy.deepcopy(current))  # duplicated
        return value
    # what is put in is a copy: a constant of the strategies, or a part of
    # the value, changed in place by a later mutation would change the
    # generation of the next examples (hypothesis replays them)
    if kind == 1:
        variant = draw(st.sampled_from(_variants(current)))
        return _set(value, path, copy.deepcopy(variant))
    if kind == 2 and isinstance(current, list) and current:
        index = draw(st.integers(min_value=0, max_value=len(current) - 1))
        current.append(copy.deepcopy(current[index]))  # a duplicated entry
        return value
    return _set(value, path, copy.deepcopy(draw(hostile_values())))


def mutated(payload, max_mutations=3):
    """A deep copy of ``payload`` with 1 to ``max_mutations`` mutations.

    The payload is copied once here: a caller, or the code under test,
    changing it later cannot make the generation differ between runs
    (hypothesis replays a choice sequence and must find the same paths)."""
    return _mutated(copy.deepcopy(payload), max_mutations)


@st.composite
def _mutated(draw, snapshot, max_mutations):
    value = copy.deepcopy(snapshot)
    for _ in range(draw(st.integers(min_value=1, max_value=max_mutations))):
        value = draw(_mutate_once(value))
    return value


def maybe_mutated(payload, max_mutations=3):
    """The payload as is (a few times, to check the good path) or mutated;
    a fresh copy every time, whatever the code under test does to it."""
    snapshot = copy.deepcopy(payload)
    return st.one_of(
        st.builds(copy.deepcopy, st.just(snapshot)),
        mutated(snapshot, max_mutations),
    )


def _json_bytes(value):
    text = json.dumps(value, ensure_ascii=False, allow_nan=True, default=str)
    return text.encode("utf-8", "surrogatepass")


@st.composite
def mutated_document(draw, payload):
    """Bytes of a downloaded JSON document built from ``payload``: intact,
    mutated, cut short, gzipped, damaged, or not UTF-8."""
    value = draw(maybe_mutated(payload))
    try:
        content = _json_bytes(value)
    except (ValueError, RecursionError):
        content = b"[" * 5000
    kind = draw(st.integers(min_value=0, max_value=8))
    if kind == 1:
        content = content[: draw(st.integers(0, max(0, len(content) - 1)))]
    elif kind == 2:
        content = gzip.compress(content)
    elif kind == 3:
        packed = gzip.compress(content)
        content = packed[: draw(st.integers(0, max(0, len(packed) - 1)))]
    elif kind == 4:
        at = draw(st.integers(0, len(content)))
        bad = draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80\x80"]))
        content = content[:at] + bad + content[at:]
    elif kind == 5:
        content = b"\xef\xbb\xbf" + content
    elif kind == 6:
        content = draw(st.binary(max_size=200))
    elif kind == 7:
        content = content.decode("utf-8", "replace").encode("utf-16")
    elif kind == 8:
        content = b'{"issues":' + b"[" * 100_000
    return content


def header_values():
    """Texts a header could carry, hostile ones included."""
    return st.one_of(
        st.sampled_from(HOSTILE_SCALARS),
        st.text(max_size=40),
        st.integers().map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(str),
        st.datetimes().map(lambda d: d.strftime("%a, %d %b %Y %H:%M:%S GMT")),
        st.sampled_from(
            [
                "Fri, 31 Dec 9999 23:59:59 GMT",
                "Mon, 01 Jan 0001 00:00:00 GMT",
                "Thu, 01 Jan 2026 12:00:30 -0000",
                "Thu, 01 Jan 2026 12:00:30 +9959",
                "Thu, 32 Jan 2026 12:00:30 GMT",
                "99999999999999999999999999",
                "1e-6",
                "0.000001",
                "1e308",
                "-5",
                "5.5",
                " 2.0 ",
                "1_000",
            ]
        ),
    )
