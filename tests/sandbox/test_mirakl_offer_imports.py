"""Mirakl emulator: stock (STO01-03), price (PRI01-03) and offer (OF24,
OF01-03) imports, their progress, error reports, rate limit and faults."""

import time

import pytest
import requests
from mphub.sandbox import Sandbox, catalog

from .conftest import MiraklShop

SHOP = 2001
STOCK = "/api/offers/stock/imports"
PRICING = "/api/offers/pricing/imports"
STOCK_HEADER = ("offer-sku", "quantity", "warehouse-code", "update-delete")


def csv_file(header, rows):
    lines = [";".join(f'"{h}"' for h in header)]
    lines += [";".join(f'"{v}"' for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def upload(shop, path, content, **fields):
    return shop.call(
        "POST", path, files={"file": ("f.csv", content, "text/csv")}, data=fields
    )


def import_id(answer):
    assert answer.status_code == 201, answer.text
    return answer.json()["import_id"]


def sto02(shop, identifier):
    answer = shop.call("GET", f"{STOCK}/{identifier}/status")
    assert answer.status_code == 200, answer.text
    return answer.json()


def pri02(shop, identifier):
    answer = shop.call("GET", PRICING, params={"import_id": identifier})
    assert answer.status_code == 200, answer.text
    (status,) = answer.json()["data"]
    return status


def of02(shop, identifier):
    answer = shop.call("GET", f"/api/offers/imports/{identifier}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def report_lines(shop, path):
    answer = shop.call("GET", path)
    assert answer.status_code == 200, answer.text
    return answer.text.splitlines(), answer.headers["Content-Type"]


@pytest.fixture
def offers(mirakl):
    mirakl.create_offers(SHOP, 5, quantity=1)
    return list(mirakl.shop(SHOP).offers)


# ----------------------------------------------------------------------
# STO01-03
# ----------------------------------------------------------------------
def test_stock_import_applies_valid_lines_and_reports_the_others(mirakl, shop, offers):
    content = csv_file(
        STOCK_HEADER,
        [
            (offers[0], 12, "", "update"),
            ("NOPE", 3, "", "update"),
            (offers[1], -2, "", "update"),
            (offers[2], "1.5", "", ""),
            (offers[3], "many", "", "update"),
            ("", 4, "", "update"),
            (offers[4], 7, "", "sometimes"),
        ],
    )
    answer = upload(shop, STOCK, content)
    identifier = import_id(answer)
    assert isinstance(identifier, str)
    assert answer.headers["Location"].endswith(f"{STOCK}/{identifier}/status")
    first = sto02(shop, identifier)
    assert first["status"] == "RUNNING" and not first["has_error_report"]
    assert mirakl.offer(SHOP, offers[0])["quantity"] == 1, "applied when complete"
    assert shop.call("GET", f"{STOCK}/{identifier}/error_report").status_code == 404
    done = sto02(shop, identifier)
    assert done["status"] == "COMPLETE" and done["has_error_report"]
    assert (done["lines_in_success"], done["lines_in_error"]) == (1, 6)
    assert done["shop_id"] == SHOP and done["import_id"] == identifier
    assert mirakl.quantities(SHOP) == dict.fromkeys(offers, 1) | {offers[0]: 12}
    lines, content_type = report_lines(shop, f"{STOCK}/{identifier}/error_report")
    assert content_type.startswith("text/csv")
    assert lines[0] == (
        '"line-number";"error-message";"offer-sku";"quantity";"warehouse-code";'
        '"update-delete"'
    )
    assert [line.split(";")[0] for line in lines[1:]] == [f'"{n}"' for n in range(3, 9)]
    assert "The offer with SKU 'NOPE' does not exist" in lines[1]
    assert "'-2' must be a whole number" in lines[2]
    assert "'1.5'" in lines[3] and "'many'" in lines[4]
    assert "missing" in lines[5] and "sometimes" in lines[6]
    assert sto02(shop, identifier)["status"] == "COMPLETE"  # and stays so


def test_stock_per_warehouse_and_delete(mirakl, shop, offers):
    sku = offers[0]
    content = csv_file(
        STOCK_HEADER,
        [
            (sku, 4, "PARIS", "update"),
            (sku, 6, "LYON", "update"),
            (offers[1], 0, "", "delete"),
        ],
    )
    identifier = import_id(upload(shop, STOCK, content))
    sto02(shop, identifier)
    assert sto02(shop, identifier)["lines_in_success"] == 3
    offer = mirakl.offer(SHOP, sku)
    assert (offer["quantity"], offer["warehouses"]) == (10, {"LYON": 6, "PARIS": 4})
    (record,) = shop.call("GET", "/api/offers", params={"sku": sku}).json()["offers"]
    assert record["warehouses"] == [
        {"code": "LYON", "quantity": 6},
        {"code": "PARIS", "quantity": 4},
    ]
    assert mirakl.offer(SHOP, offers[1])["quantity"] == 0
    content = csv_file(
        STOCK_HEADER, [(sku, 0, "PARIS", "delete"), (offers[2], 3, "", "")]
    )
    identifier = import_id(upload(shop, STOCK, content))
    sto02(shop, identifier)
    sto02(shop, identifier)
    assert mirakl.offer(SHOP, sku)["warehouses"] == {"LYON": 6}
    assert mirakl.offer(SHOP, sku)["quantity"] == 6
    assert mirakl.offer(SHOP, offers[2])["quantity"] == 3


def test_a_file_with_two_columns_is_enough(mirakl, shop, offers):
    identifier = import_id(
        upload(shop, STOCK, b"offer-sku;quantity\n" + offers[0].encode() + b";8\n")
    )
    sto02(shop, identifier)
    assert sto02(shop, identifier)["status"] == "COMPLETE"
    assert mirakl.offer(SHOP, offers[0])["quantity"] == 8


def test_bad_files(mirakl, shop, offers):
    missing = import_id(upload(shop, STOCK, csv_file(("sku", "qty"), [("A", 1)])))
    sto02(shop, missing)
    failed = sto02(shop, missing)
    assert (failed["status"], failed["has_error_report"]) == ("FAILED", False)
    assert shop.call("GET", f"{STOCK}/{missing}/error_report").status_code == 404
    assert shop.call("POST", STOCK, data=b"x").status_code == 400  # no multipart
    other = shop.call("POST", STOCK, files={"document": ("f.csv", b"x")})
    assert other.status_code == 400
    assert "'file'" in other.json()["message"]
    for path in (f"{STOCK}/999/status", f"{STOCK}/999/error_report"):
        answer = shop.call("GET", path)
        assert answer.status_code == 404
        assert answer.json() == {"status": 404, "message": "Import 999 not found"}


def test_import_progress_by_polls(mirakl, shop, offers):
    mirakl.set_import_settings(polls=3)
    content = csv_file(STOCK_HEADER, [(offers[0], 5, "", "update")])
    identifier = import_id(upload(shop, STOCK, content))
    statuses = [sto02(shop, identifier)["status"] for _poll in range(4)]
    assert statuses == ["WAITING", "RUNNING", "COMPLETE", "COMPLETE"]
    mirakl.set_import_settings(polls=0)  # applied at once
    content = csv_file(STOCK_HEADER, [(offers[0], 6, "", "update")])
    identifier = import_id(upload(shop, STOCK, content))
    assert mirakl.offer(SHOP, offers[0])["quantity"] == 6
    assert sto02(shop, identifier)["status"] == "COMPLETE"


def test_import_progress_by_time():
    with Sandbox(options={"mirakl": {"import_seconds": 1}}) as box:
        mirakl = box.emulators["mirakl"]
        mirakl.create_offers(SHOP, 2, quantity=1)
        shop = MiraklShop(box.urls["mirakl"])
        content = csv_file(STOCK_HEADER, [("MPH-0001", 9, "", "update")])
        identifier = import_id(upload(shop, STOCK, content))
        assert [sto02(shop, identifier)["status"] for _ in range(3)] == ["WAITING"] * 3
        time.sleep(0.6)
        assert sto02(shop, identifier)["status"] == "RUNNING"
        assert mirakl.offer(SHOP, "MPH-0001")["quantity"] == 1
        time.sleep(0.5)
        # applied when due, even before anyone asks for the status
        assert mirakl.offer(SHOP, "MPH-0001")["quantity"] == 9
        assert sto02(shop, identifier)["status"] == "COMPLETE"


def test_imports_are_applied_in_the_order_they_came(mirakl, shop, offers):
    sku = offers[0]
    older = import_id(upload(shop, STOCK, csv_file(STOCK_HEADER, [(sku, 3, "", "")])))
    newer = import_id(upload(shop, STOCK, csv_file(STOCK_HEADER, [(sku, 4, "", "")])))
    sto02(shop, newer)
    sto02(shop, newer)  # completes the older one first
    assert mirakl.offer(SHOP, sku)["quantity"] == 4
    assert sto02(shop, older)["status"] == "COMPLETE"
    assert mirakl.offer(SHOP, sku)["quantity"] == 4
    assert [i["status"] for i in mirakl.offer_imports(SHOP)] == ["COMPLETE"] * 2


def test_imports_belong_to_their_shop(mirakl, shop, mirakl_url, offers):
    identifier = import_id(
        upload(shop, STOCK, csv_file(STOCK_HEADER, [(offers[0], 3, "", "")]))
    )
    other = MiraklShop(mirakl_url, "sandbox-boulanger-key")
    assert other.call("GET", f"{STOCK}/{identifier}/status").status_code == 404


# ----------------------------------------------------------------------
# PRI01-03
# ----------------------------------------------------------------------
def test_price_import_and_its_status(mirakl, shop, offers):
    content = csv_file(
        (
            "offer-sku",
            "price",
            "discount-price",
            "discount-start-date",
            "discount-end-date",
        ),
        [
            (offers[0], "15.5", "", "", ""),
            ("NOPE", "3", "", "", ""),
            (offers[1], "0", "", "", ""),
            (offers[2], "-1", "", "", ""),
            (offers[3], "1.234", "", "", ""),
            (offers[4], "9,90", "", "", ""),
        ],
    )
    answer = upload(shop, PRICING, content)
    identifier = import_id(answer)
    assert answer.headers["Location"].endswith(f"{PRICING}?import_id={identifier}")
    assert pri02(shop, identifier)["status"] == "RUNNING"
    status = pri02(shop, identifier)
    assert status["status"] == "COMPLETE" and status["has_error_report"]
    assert (status["lines_in_success"], status["lines_in_error"]) == (1, 5)
    assert (status["offers_updated"], status["offers_in_error"]) == (1, 5)
    assert (status["origin"], status["reason_status"]) == ("API", "")
    assert mirakl.offer(SHOP, offers[0])["price"] == "15.50"
    lines, content_type = report_lines(shop, f"{PRICING}/{identifier}/error_report")
    assert content_type.startswith("text/csv")
    assert lines[0].startswith('"line-number";"error-message";"offer-sku";"price"')
    assert len(lines) == 6 and "NOPE" in lines[1] and "positive" in lines[2]


def test_columns_in_any_order(mirakl, shop, offers):
    content = (
        b"price;offer-sku\n4.40;" + offers[0].encode() + b"\n0;" + offers[1].encode()
    )
    identifier = import_id(upload(shop, PRICING, content))
    pri02(shop, identifier)
    status = pri02(shop, identifier)
    assert (status["offers_updated"], status["offers_in_error"]) == (1, 1)
    assert mirakl.offer(SHOP, offers[0])["price"] == "4.40"
    lines, _type = report_lines(shop, f"{PRICING}/{identifier}/error_report")
    assert lines[1].endswith(f'"0";"{offers[1]}"')


def test_a_discount_and_its_removal(mirakl, shop, offers):
    sku = offers[0]
    header = ("offer-sku", "price", "discount-price", "discount-start-date")
    rows = [(sku, "20.00", "15.00", "2020-01-01T00:00:00Z"), (offers[1], "5", "6", "")]
    identifier = import_id(upload(shop, PRICING, csv_file(header, rows)))
    pri02(shop, identifier)
    assert pri02(shop, identifier)["lines_in_error"] == 1  # discount above price
    (record,) = shop.call("GET", "/api/offers", params={"sku": sku}).json()["offers"]
    assert (record["price"], record["all_prices"][0]["unit_origin_price"]) == (15, 20)
    assert record["discount"]["discount_price"] == 15
    # PRI01 replaces every price: no discount sent, no discount left
    identifier = import_id(upload(shop, PRICING, csv_file(header[:2], [(sku, "19")])))
    pri02(shop, identifier)
    pri02(shop, identifier)
    (record,) = shop.call("GET", "/api/offers", params={"sku": sku}).json()["offers"]
    assert record["price"] == 19 and "discount" not in record


def test_pri02_lists_and_filters(mirakl, shop, offers):
    content = csv_file(("offer-sku", "price"), [(offers[0], "2")])
    first = import_id(upload(shop, PRICING, content))
    second = import_id(upload(shop, PRICING, content))
    listed = shop.call("GET", PRICING).json()["data"]
    assert [i["import_id"] for i in listed] == [second, first]  # newest first
    both = shop.call("GET", PRICING, params={"import_id": [first, second]}).json()
    assert len(both["data"]) == 2
    done = shop.call("GET", PRICING, params={"status": "COMPLETE"}).json()["data"]
    assert {i["import_id"] for i in done} == {first, second}
    assert shop.call("GET", PRICING, params={"origins": "FTP"}).json()["data"] == []
    assert shop.call("GET", PRICING, params={"status": "DONE"}).status_code == 400
    future = {"start_date": "2100-01-01T00:00:00Z"}
    assert shop.call("GET", PRICING, params=future).json()["data"] == []


# ----------------------------------------------------------------------
# OF24, OF01-03
# ----------------------------------------------------------------------
def of24_offer(sku, **fields):
    return {
        "shop_sku": sku,
        "product_id": catalog.product(42, 0)["ean"],
        "product_id_type": "EAN",
        "price": 12.5,
        "state_code": "11",
        "update_delete": "update",
        **fields,
    }


def test_of24_replaces_the_whole_offer(mirakl, shop, offers):
    sku = offers[0]
    full = of24_offer(
        sku,
        quantity="8",
        description="Full",
        discount={"price": 10, "start_date": "2020-01-01T00:00:00Z"},
    )
    answer = shop.call("POST", "/api/offers", json={"offers": [full]})
    identifier = import_id(answer)
    assert isinstance(identifier, int)
    assert answer.headers["Location"].endswith(f"/api/offers/imports/{identifier}")
    of02(shop, identifier)
    assert of02(shop, identifier)["status"] == "COMPLETE"
    offer = mirakl.offer(SHOP, sku)
    assert (offer["quantity"], offer["description"]) == (8, "Full")
    assert offer["discount"]["price"] == "10.00"
    # the price alone: the quantity goes back to 0, the rest is deleted
    body = {"offers": [of24_offer(sku, price="13.00")]}
    identifier = import_id(shop.call("POST", "/api/offers", json=body))
    of02(shop, identifier)
    status = of02(shop, identifier)
    assert (status["lines_read"], status["offer_updated"]) == (1, 1)
    offer = mirakl.offer(SHOP, sku)
    assert (offer["quantity"], offer["price"]) == (0, "13.00")
    assert (offer["description"], offer["discount"]) == ("", None)


def test_of24_creates_deletes_and_reports(mirakl, shop, offers):
    body = {
        "offers": [
            of24_offer("NEW-1", quantity=3),
            {**of24_offer("NEW-2"), "product_id": "9400016774345"},
            {"shop_sku": "BROKEN", "update_delete": "update"},
            of24_offer(offers[1], update_delete="delete"),
            of24_offer("GHOST", update_delete="delete"),
            of24_offer("NEW-3", price=0),
            of24_offer("NEW-4", quantity=-1),
            "not an offer",
        ]
    }
    identifier = import_id(shop.call("POST", "/api/offers", json=body))
    of02(shop, identifier)
    status = of02(shop, identifier)
    assert status["status"] == "COMPLETE" and status["has_error_report"]
    assert (status["lines_in_success"], status["lines_in_error"]) == (2, 6)
    assert (status["offer_inserted"], status["offer_deleted"]) == (1, 1)
    created = mirakl.offer(SHOP, "NEW-1")
    assert created["eans"] == [catalog.product(42, 0)["ean"]]
    assert (created["quantity"], created["kind"]) == (3, "api")
    assert offers[1] not in mirakl.quantities(SHOP)
    lines, content_type = report_lines(
        shop, f"/api/offers/imports/{identifier}/error_report"
    )
    assert content_type.startswith("application/octet-stream")
    assert lines[0].endswith('"error-line";"error-message"')
    assert lines[0].startswith('"sku";"product-id"')
    assert [line.split(";")[-2] for line in lines[1:]] == [
        f'"{n}"' for n in (2, 3, 5, 6, 7, 8)
    ]
    assert "does not exist" in lines[1] and "product_id" in lines[2]
    assert shop.call("POST", "/api/offers", json={"offers": []}).status_code == 400
    assert shop.call("GET", "/api/offers/imports/404").status_code == 404


def test_of01_normal_and_replace(mirakl, shop, offers):
    header = ("sku", "product-id", "product-id-type", "price", "quantity", "state")
    product = catalog.product(42, 7)
    rows = [
        ("FILE-1", product["ean"], "EAN", "9.90", "4", "11"),
        (offers[0], "MKP00000003", "SKU", "5.00", "", "11"),
        ("FILE-2", "000", "EAN", "9.90", "4", "11"),
    ]
    content = csv_file(header, rows)
    identifier = import_id(
        upload(shop, "/api/offers/imports", content, import_mode="NORMAL")
    )
    of02(shop, identifier)
    status = of02(shop, identifier)
    assert (status["lines_in_success"], status["lines_in_error"], status["mode"]) == (
        2,
        1,
        "NORMAL",
    )
    assert mirakl.offer(SHOP, "FILE-1")["product_title"] == product["name"]
    assert mirakl.offer(SHOP, offers[0])["quantity"] == 0  # left out: reset
    assert mirakl.offer(SHOP, offers[0])["product_sku"] == "MKP00000003"
    lines, _type = report_lines(shop, f"/api/offers/imports/{identifier}/error_report")
    assert lines[0] == (
        '"sku";"product-id";"product-id-type";"price";"quantity";"state";'
        '"error-line";"error-message"'
    )
    assert lines[1].startswith('"FILE-2"') and '"4";"The product 000' in lines[1]
    replace = csv_file(header, rows[:1])
    identifier = import_id(
        upload(shop, "/api/offers/imports", replace, import_mode="REPLACE")
    )
    of02(shop, identifier)
    assert of02(shop, identifier)["offer_deleted"] == len(offers)
    assert list(mirakl.quantities(SHOP)) == ["FILE-1"]
    no_mode = upload(shop, "/api/offers/imports", replace)
    assert no_mode.status_code == 400
    bad_mode = upload(shop, "/api/offers/imports", replace, import_mode="ALL")
    assert bad_mode.status_code == 400


# ----------------------------------------------------------------------
# rate limit and faults
# ----------------------------------------------------------------------
def test_imports_are_rate_limited_per_shop_and_operation(
    mirakl, shop, mirakl_url, offers
):
    mirakl.set_import_settings(interval=60)
    content = csv_file(STOCK_HEADER, [(offers[0], 3, "", "")])
    import_id(upload(shop, STOCK, content))
    again = upload(shop, STOCK, content)
    assert again.status_code == 429
    assert 59 <= int(again.headers["Retry-After"]) <= 60
    assert again.json()["status"] == 429
    assert mirakl.get_stats()["STO01"]["429"] == 1
    prices = csv_file(("offer-sku", "price"), [(offers[0], "3")])
    import_id(upload(shop, PRICING, prices))  # another operation
    other = MiraklShop(mirakl_url, "sandbox-boulanger-key")
    assert upload(other, STOCK, content).status_code == 201  # another shop
    assert shop.call("GET", "/api/offers").ok  # reading is free
    # the setting outlives a reset, and can be changed over HTTP
    mirakl.reset()
    assert mirakl.get_faults()["call_frequency"]["PRI01"] == 60
    settings = requests.post(
        f"{mirakl_url}/_sandbox/imports", json={"interval": 0, "polls": 1}, timeout=5
    ).json()
    assert settings == {"polls": 1, "seconds": 0, "interval": 0}
    assert mirakl.get_faults()["call_frequency"] == {}
    assert (
        requests.post(
            f"{mirakl_url}/_sandbox/imports", json={"speed": 1}, timeout=5
        ).status_code
        == 400
    )


def test_default_is_no_rate_limit(mirakl, shop, offers):
    content = csv_file(STOCK_HEADER, [(offers[0], 3, "", "")])
    for _call in range(3):
        import_id(upload(shop, STOCK, content))
    assert (
        requests.get(f"{shop.url}/_sandbox/imports", timeout=5).json()["shops"][
            str(SHOP)
        ][0]["operation"]
        == "STO01"
    )


@pytest.mark.parametrize(
    ("faults", "status"),
    [
        ({"rate_429": 1.0, "retry_after": 4}, 429),
        ({"rate_5xx": 1.0}, 500),
        ({"expired_credentials": True}, 401),
    ],
)
def test_faults_apply_to_the_offer_routes(mirakl, shop, offers, faults, status):
    content = csv_file(STOCK_HEADER, [(offers[0], 3, "", "")])
    mirakl.set_import_settings(polls=0)
    identifier = import_id(upload(shop, STOCK, content))
    mirakl.set_faults(faults)
    answers = [
        shop.call("GET", "/api/offers"),
        upload(shop, STOCK, content),
        shop.call("GET", f"{STOCK}/{identifier}/status"),
        upload(shop, PRICING, content),
        shop.call("POST", "/api/offers", json={"offers": [of24_offer("X")]}),
    ]
    for answer in answers:
        assert answer.status_code // 100 * 100 == status // 100 * 100, answer.text
        if status == 429:
            assert answer.headers["Retry-After"] == "4"
    stats = mirakl.get_stats()
    for operation in ("OF21", "STO01", "STO02", "PRI01", "OF24"):
        assert stats[operation]["calls"] >= 1
    assert len(mirakl.offer_imports(SHOP)) == 1, "a refused call creates nothing"


def test_corrupt_answers_on_the_offer_routes(mirakl, shop, offers):
    mirakl.set_faults({"rate_corrupt": 1.0})
    page = shop.call("GET", "/api/offers")
    assert page.status_code == 200
    with pytest.raises(ValueError):
        page.json()
    assert mirakl.get_stats()["OF21"]["corrupt"] == 1
