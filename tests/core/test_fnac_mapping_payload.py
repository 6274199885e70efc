"""``mphub.fnac.payload.element_to_json``: the one JSON shape of Fnac records."""

import json

import pytest
from lxml import etree
from mphub.fnac.payload import (
    BATCH_LISTS,
    ORDERS_UPDATE_LISTS,
    document_to_json,
    element_to_json,
    parse,
)

NS = 'xmlns="http://www.fnac.com/schemas/mp-dialog.xsd"'


def test_an_order_element_becomes_plain_json():
    data = document_to_json(
        f"""<order {NS}>
          <client_firstname><![CDATA[]]></client_firstname>
          <client_lastname><![CDATA[Martin & fils]]></client_lastname>
          <order_id>67C2A1B3D4E5F</order_id>
          <shipping_address><firstname>Jeanne</firstname><address1/></shipping_address>
          <order_detail><order_detail_id>1</order_detail_id></order_detail>
        </order>""".encode()
    )
    assert data == {
        "client_firstname": "",
        "client_lastname": "Martin & fils",
        "order_id": "67C2A1B3D4E5F",
        "shipping_address": {"firstname": "Jeanne", "address1": ""},
        "order_detail": [{"order_detail_id": "1"}],
    }
    assert "client_email" not in data  # absent stays absent
    assert json.loads(json.dumps(data)) == data


def test_texts_are_kept_verbatim():
    data = document_to_json(
        f"<order {NS}><product_name>  Mug  </product_name></order>".encode()
    )
    assert data["product_name"] == "  Mug  "


def test_attributes_and_texts_with_attributes():
    data = document_to_json(
        f"""<batch_status_response {NS} status="ERROR">
          <batch_id>b1</batch_id>
          <offer status="ERROR"><offer_seller_id>A</offer_seller_id>
            <error severity="ERROR" code="ERR_030">price out of range</error></offer>
          <offer status="OK"><offer_seller_id>B</offer_seller_id></offer>
        </batch_status_response>""".encode(),
        BATCH_LISTS,
    )
    assert data["@status"] == "ERROR"
    assert data["offer"][0] == {
        "@status": "ERROR",
        "offer_seller_id": "A",
        "error": [
            {"@severity": "ERROR", "@code": "ERR_030", "#text": "price out of range"}
        ],
    }
    assert data["offer"][1] == {"@status": "OK", "offer_seller_id": "B"}


def test_list_tags_are_always_lists_and_other_repeats_never_lose_an_entry():
    data = document_to_json(
        f"""<orders_update_response {NS} status="OK">
          <order><status>OK</status><order_id>X</order_id>
            <order_detail><order_detail_id>1</order_detail_id></order_detail></order>
          <note>a</note><note>b</note><!-- a comment --><note>c</note>
        </orders_update_response>""".encode(),
        ORDERS_UPDATE_LISTS,
    )
    assert data["order"] == [
        {"status": "OK", "order_id": "X", "order_detail": [{"order_detail_id": "1"}]}
    ]
    assert data["note"] == ["a", "b", "c"]
    single = element_to_json(etree.fromstring(f"<order {NS}><order_detail/></order>"))
    assert single == {"order_detail": [""]}


def test_an_empty_element_with_attributes_keeps_an_empty_text():
    data = document_to_json(f'<r {NS}><error code="E1"/></r>'.encode(), ())
    assert data == {"error": {"@code": "E1", "#text": ""}}


def test_documents_with_entities_are_not_expanded():
    hostile = b"""<?xml version="1.0"?>
    <!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
    <r><a>&x;</a></r>"""
    root = parse(hostile)
    assert "root:" not in (element_to_json(root).get("a") or "")
    with pytest.raises(etree.XMLSyntaxError):
        parse(b"<r><a></r>")
