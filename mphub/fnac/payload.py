"""Fnac Darty XML elements turned into plain JSON: the one shape every Fnac reader uses.

The raw payload stored in Odoo for an order (and the input of every Fnac mapper) is the
``order`` element of an ``orders_query_response`` turned into JSON by
:func:`element_to_json`. The same function turns offers, batch results, pricing
products, messages and incidents into JSON, with their service's list tags
(``*_LISTS`` below).

The shape, exactly:

* tags lose their namespace (``{<mp-dialog ns>}order`` -> ``order``);
* a leaf element without attributes -> its text, a string kept verbatim (no stripping);
  a present but empty element -> ``""``; an absent element -> its key is absent;
* an element with children -> a dict of child tag -> value, recursively (so addresses
  are dicts); its attributes under ``"@name"`` keys; non-blank text next to children
  under ``"#text"`` (never happens in the Fnac XSDs, kept so that nothing is lost);
* a leaf element with attributes -> ``{"@name": value, ..., "#text": text}``
  (``"#text"`` always present, ``""`` when empty), e.g.
  ``<error severity="ERROR" code="ERR_120">x</error>``
  -> ``{"@severity": "ERROR", "@code": "ERR_120", "#text": "x"}``;
* a tag named in ``lists`` -> ALWAYS a list of values (even of one), at any depth, when
  present (absent -> key absent); any other tag that repeats -> a list too (in document
  order), so that nothing is ever dropped;
* comments and processing instructions are ignored.

The result holds only dicts, lists and strings: JSON-ready and stable (same XML, same
JSON), so that payload hashes detect changes.
"""

from lxml import etree

NS = "http://www.fnac.com/schemas/mp-dialog.xsd"

#: list tags of an ``order`` (orders_query_response/order).
ORDER_LISTS = ("order_detail", "error")
#: list tags of an ``offers_query_response`` offer (promotion type/uid may repeat).
OFFER_LISTS = ("error", "promotion", "promotion_type", "promotion_uid")
#: list tags of a ``batch_status_response`` (the document itself) and its offers.
BATCH_LISTS = ("offer", "error")
#: list tags of a ``pricing_query_response`` pricing_product.
PRICING_LISTS = ("pricing", "error")
#: list tags of a ``messages_query_response`` message.
MESSAGE_LISTS = ("message_file", "error")
#: list tags of an ``incidents_query_response`` incident.
INCIDENT_LISTS = ("order_detail_incident", "refund", "error")
#: list tags of an ``orders_update_response`` (the document: orders, details, errors).
ORDERS_UPDATE_LISTS = ("order", "order_detail", "error")
#: list tags of a ``carriers_query_response`` (the document).
CARRIERS_LISTS = ("carrier", "error")


def local_name(tag):
    """Tag without its ``{namespace}`` part."""
    return tag.rsplit("}", 1)[-1] if "}" in tag else tag


def _attributes(element):
    return {"@" + local_name(name): value for name, value in element.attrib.items()}


def element_to_json(element, lists=ORDER_LISTS):
    """Return ``element`` as plain JSON (see the module docstring for the exact shape).

    ``element`` is an lxml element; the result for the element itself is always a dict
    (its children and attributes), even when it has neither.
    """
    return _complex(element, frozenset(lists))


def _complex(element, lists):
    result = _attributes(element)
    text = (element.text or "") + "".join(child.tail or "" for child in element)
    for child in element:
        if not isinstance(child.tag, str):
            continue
        tag = local_name(child.tag)
        value = _value(child, lists)
        if tag in result:
            current = result[tag]
            if isinstance(current, list):
                current.append(value)
            else:
                result[tag] = [current, value]
        else:
            result[tag] = [value] if tag in lists else value
    if text.strip():
        result["#text"] = text
    return result


def _value(element, lists):
    has_children = any(isinstance(child.tag, str) for child in element)
    if has_children:
        return _complex(element, lists)
    text = (element.text or "") + "".join(child.tail or "" for child in element)
    if element.attrib:
        value = _attributes(element)
        value["#text"] = text
        return value
    return text


def parse(data):
    """Parse an XML document (bytes) safely: no entity expansion, no network."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    return etree.fromstring(data, parser=parser)


def document_to_json(data, lists=ORDER_LISTS):
    """Parse ``data`` (bytes) and return its root as JSON (tests and the fuzzer)."""
    return element_to_json(parse(data), lists)
