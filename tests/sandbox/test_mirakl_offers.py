"""Mirakl emulator: the offer store, OF21 paging, stock and price imports."""

import requests

SHOP = 2001


def csv_file(header, rows):
    lines = [";".join(f'"{h}"' for h in header)]
    lines += [";".join(f'"{v}"' for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def upload(shop, path, content):
    return shop.call("POST", path, files={"file": ("f.csv", content, "text/csv")})


def test_seeding_is_exact_and_deterministic(mirakl):
    summary = mirakl.create_offers(
        SHOP, 200, unknown_sku_share=0.05, ambiguous_share=0.01, ean_only_share=0.02
    )
    assert summary["created"] == 200
    assert len(summary["unknown"]) == 10
    assert len(summary["ambiguous"]) == 2
    assert len(summary["ean_only"]) == 4
    store = mirakl.shop(SHOP).offers
    assert len(store) == 200
    for sku in summary["ambiguous"]:
        assert len(store[sku]["eans"]) == 2
        assert store[sku]["eans"][0] != store[sku]["eans"][1]
    mirakl.reset_store()
    assert (
        mirakl.create_offers(
            SHOP, 200, unknown_sku_share=0.05, ambiguous_share=0.01, ean_only_share=0.02
        )
        == summary
    )


def test_of21_pages_every_offer_once(mirakl, shop):
    mirakl.create_offers(SHOP, 250)
    seen = []
    offset = 0
    while True:
        answer = shop.call("GET", "/api/offers", params={"max": 100, "offset": offset})
        assert answer.status_code == 200
        page = answer.json()
        assert page["total_count"] == 250
        seen += [offer["shop_sku"] for offer in page["offers"]]
        offset += 100
        if offset >= page["total_count"]:
            break
    assert len(seen) == len(set(seen)) == 250
    assert shop.call("GET", "/api/offers", params={"max": 101}).status_code == 400
    (one,) = shop.call("GET", "/api/offers", params={"sku": seen[3]}).json()["offers"]
    assert one["shop_sku"] == seen[3]


def test_stock_import_applies_valid_lines_and_reports_the_others(mirakl, shop):
    mirakl.create_offers(SHOP, 3, quantity=1)
    skus = list(mirakl.shop(SHOP).offers)
    content = csv_file(
        ("offer-sku", "quantity", "update-delete"),
        [(skus[0], 12, "update"), ("NOPE", 3, "update"), (skus[1], -2, "update")],
    )
    answer = upload(shop, "/api/offers/stock/imports", content)
    assert answer.status_code == 201
    import_id = answer.json()["import_id"]
    path = f"/api/offers/stock/imports/{import_id}"
    first = shop.call("GET", path + "/status").json()
    assert first["status"] == "RUNNING"
    assert mirakl.offer(SHOP, skus[0])["quantity"] == 1, "applied when complete"
    assert shop.call("GET", path + "/error_report").status_code == 404
    done = shop.call("GET", path + "/status").json()
    assert done["status"] == "COMPLETE"
    assert (done["lines_in_success"], done["lines_in_error"]) == (1, 2)
    assert mirakl.offer(SHOP, skus[0])["quantity"] == 12
    assert mirakl.offer(SHOP, skus[1])["quantity"] == 1
    report = shop.call("GET", path + "/error_report")
    assert report.headers["Content-Type"].startswith("text/csv")
    lines = report.text.splitlines()
    assert lines[0].startswith('"line-number";"error-message";"offer-sku"')
    assert len(lines) == 3 and "NOPE" in lines[1] and "-2" in lines[2]


def test_price_import_and_its_status(mirakl, shop):
    mirakl.create_offers(SHOP, 2)
    sku = next(iter(mirakl.shop(SHOP).offers))
    content = csv_file(("offer-sku", "price"), [(sku, "15.5"), ("NOPE", "0")])
    import_id = upload(shop, "/api/offers/pricing/imports", content).json()["import_id"]
    for _poll in range(2):
        answer = shop.call(
            "GET", "/api/offers/pricing/imports", params={"import_id": import_id}
        )
    (status,) = answer.json()["data"]
    assert status["status"] == "COMPLETE"
    assert status["lines_in_error"] == 1
    assert mirakl.offer(SHOP, sku)["price"] == "15.50"


def test_imports_refuse_bad_files(mirakl, shop):
    assert (
        upload(shop, "/api/offers/stock/imports", b'"sku";"qty"\n').status_code == 400
    )
    plain = shop.call("POST", "/api/offers/stock/imports", data=b"x")
    assert plain.status_code == 400
    assert shop.call("GET", "/api/offers/stock/imports/999/status").status_code == 404


def test_faults_apply_to_the_offer_routes(mirakl, shop):
    shop.admin("POST", "faults", {"rate_429": 1.0, "retry_after": 3})
    answer = shop.call("GET", "/api/offers")
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "3"
    assert mirakl.stats.calls("OF21") == 1


def test_admin_endpoints_read_and_change_an_offer(mirakl, mirakl_url):
    mirakl.create_offers(SHOP, 1, quantity=5)
    created = requests.post(
        f"{mirakl_url}/_sandbox/offers", json={"shop_id": 2002, "count": 4}, timeout=5
    ).json()
    assert created["created"] == 4
    sku = next(iter(mirakl.shop(SHOP).offers))
    url = f"{mirakl_url}/_sandbox/offers/{sku}"
    assert requests.get(url, timeout=5).json()["quantity"] == 5
    changed = requests.post(
        url, json={"quantity": 2, "price": "3.30"}, timeout=5
    ).json()
    assert (changed["quantity"], changed["price"]) == (2, "3.30")
    assert (
        requests.get(f"{mirakl_url}/_sandbox/offers/NOPE", timeout=5).status_code == 404
    )


def test_a_hundred_thousand_offers(mirakl, shop):
    mirakl.create_offers(SHOP, 100000)
    pages = [
        shop.call("GET", "/api/offers", params={"max": 100, "offset": offset}).json()
        for offset in (0, 50000, 99900)
    ]
    assert all(len(page["offers"]) == 100 for page in pages)
    assert pages[0]["total_count"] == 100000


def test_of24_replaces_the_whole_offer(mirakl, shop):
    mirakl.create_offers(SHOP, 2, quantity=9)
    sku = next(iter(mirakl.shop(SHOP).offers))
    body = {
        "offers": [
            # the price only: the quantity goes back to 0, as on Mirakl
            {
                "shop_sku": sku,
                "product_id": "3760000000001",
                "product_id_type": "EAN",
                "price": 12.5,
                "state_code": "11",
                "update_delete": "update",
            },
            {"shop_sku": "BROKEN", "update_delete": "update"},
        ]
    }
    answer = shop.call("POST", "/api/offers", json=body)
    assert answer.status_code == 201
    import_id = answer.json()["import_id"]
    for _poll in range(2):
        status = shop.call("GET", f"/api/offers/imports/{import_id}").json()
    assert status["status"] == "COMPLETE"
    assert (status["lines_in_success"], status["lines_in_error"]) == (1, 1)
    offer = mirakl.offer(SHOP, sku)
    assert (offer["quantity"], offer["price"]) == (0, "12.50")
