"""The quick order's reading of typed, pasted and uploaded lists."""

import csv
import io
import re
import zipfile
from decimal import Decimal as D

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mphub.b2b import quick_order
from mphub.b2b.quick_order import (
    ERRORS,
    MAX_LINES,
    MAX_UPLOAD_BYTES,
    RequestedLine,
    UploadError,
    check_quantity,
    is_formula,
    parse_file,
    parse_text,
)


def read(lines):
    """(reference, quantity, error) of each line."""
    return [(line.reference, line.quantity, line.error) for line in lines]


def xlsx(rows, edit=None):
    """The bytes of an XLSX file with one sheet holding ``rows``; ``edit``
    may change the cells (openpyxl cell -> None) before saving."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if edit:
        edit(sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def patch_sheet(content, old, new):
    """The XLSX bytes with a text replaced in the first sheet's XML."""
    source, target = io.BytesIO(content), io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert old in data
                data = data.replace(old, new)
            zout.writestr(item, data)
    return target.getvalue()


# -- pasted and typed text ---------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("AB-100\t3", ("AB-100", D(3))),
        ("AB-100;3", ("AB-100", D(3))),
        ("AB-100,3", ("AB-100", D(3))),
        ("AB-100 3", ("AB-100", D(3))),
        ("AB-100   12", ("AB-100", D(12))),
        ("3 x AB-100", ("AB-100", D(3))),
        ("3x AB-100", ("AB-100", D(3))),
        ("3 X AB-100", ("AB-100", D(3))),
        ("AB-100 x 3", ("AB-100", D(3))),
        ("AB-100 x3", ("AB-100", D(3))),
        ("AB-100", ("AB-100", D(1))),
        ("  AB-100  ", ("AB-100", D(1))),
        ("AB-100\t", ("AB-100", D(1))),
        ('"AB-100";"4"', ("AB-100", D(4))),
        ("AB 100\t2", ("AB 100", D(2))),  # inner space kept with a tab
        ("AB 100;2", ("AB 100", D(2))),
        ("AB 100,2", ("AB 100", D(2))),
        ("AB-100\t2,5", ("AB-100", D("2.5"))),  # decimal comma
        ("AB-100;2,5", ("AB-100", D("2.5"))),
        ("AB-100 2,5", ("AB-100 2", D("5"))),  # the comma separates
        ('AB-100,"2,5"', ("AB-100", D("2.5"))),
        ("AB-100;2.5", ("AB-100", D("2.5"))),
        ("2,5 x AB-100", ("AB-100", D("2.5"))),
        ("AB-100;0,125", ("AB-100", D("0.125"))),
        ("AB-100;10.000", ("AB-100", D(10))),
        ("AB-100;100", ("AB-100", D(100))),
        ("VIS-M6x30 4", ("VIS-M6x30", D(4))),  # an x inside a reference
        ("AB-100\t3\tCâble HDMI 2 m\t12,50", ("AB-100", D(3))),  # extra columns
    ],
)
def test_each_paste_shape(text, expected):
    (line,) = parse_text(text)
    assert (line.reference, line.quantity, line.error) == (*expected, None)
    assert line.number == 1
    assert line.raw == text.strip()


def test_whitespace_separator_keeps_the_first_word_as_reference():
    assert read(parse_text("AB 100")) == [("AB", D(100), None)]


def test_twenty_lines_pasted_from_a_spreadsheet():
    rows = [(f"REF-{index:03d}", index, f"Product {index}") for index in range(20)]
    rows[5] = ("3760123456789", 2, "Câble, 2 m")
    text = "\r\n".join(f"{ref}\t{qty}\t{name}" for ref, qty, name in rows) + "\r\n"
    lines = parse_text(text)
    assert [line.number for line in lines] == list(range(1, 21))
    expected = [(ref, D(qty), None) for ref, qty, _name in rows]
    expected[0] = ("REF-000", None, "bad_quantity")  # quantity 0
    assert read(lines) == expected


def test_blank_lines_are_skipped_but_counted_and_duplicates_kept():
    lines = parse_text("\n  \nAB-1;2\n\n\t\nAB-1;2\rAB-2\n")
    assert [(line.number, line.reference) for line in lines] == [
        (3, "AB-1"),
        (6, "AB-1"),
        (7, "AB-2"),
    ]
    assert parse_text("") == parse_text(None) == parse_text(" \n\t\n") == []


@pytest.mark.parametrize(
    "header",
    [
        "Référence;Quantité",
        "reference;quantity",
        "SKU\tQty",
        "Code-barres;Qté",
        "EAN,Qte",
        "ref qty",
        "Produit;Quantité;Désignation",
    ],
)
def test_header_line_is_skipped(header):
    lines = parse_text(f"{header}\nAB-1;3\nAB-2;1,5\n")
    assert read(lines) == [("AB-1", D(3), None), ("AB-2", D("1.5"), None)]
    assert [line.number for line in lines] == [2, 3]


def test_header_gives_the_columns():
    lines = parse_text("Qté\tDésignation\tRéférence\n4\tCâble\tAB-1\n\tVis\tAB-2")
    assert read(lines) == [("AB-1", D(4), None), ("AB-2", D(1), None)]


def test_a_first_line_with_data_is_no_header():
    assert read(parse_text("code 3")) == [("code", D(3), None)]
    assert read(parse_text("Référence;Quantité\nref;2")) == [("ref", D(2), None)]


@pytest.mark.parametrize(
    "text",
    [
        "AB-1;abc",
        "AB-1;0",
        "AB-1;-2",
        "AB-1;1.2345",  # more than 3 decimals
        "AB-1;2000000",  # absurdly large
        "AB-1;1e3",
        "AB-1;NaN",
        "AB-1;1 000",  # thousands: never
        "AB-1;1.234,5",
        "AB-1;1,000",  # one, or a thousand?
        "AB-1,2,5",  # 2.5, or 2 and another column?
        "AB-1;٣",  # a digit, but not an ASCII one
        "AB-1 3pcs",
    ],
)
def test_bad_quantities(text):
    (line,) = parse_text(text)
    assert (line.reference, line.quantity, line.error) == ("AB-1", None, "bad_quantity")


def test_missing_reference():
    assert read(parse_text(";3\n\t2")) == [
        ("", D(3), "no_reference"),
        ("", D(2), "no_reference"),
    ]


def test_too_long_reference_is_cut_and_refused():
    (line,) = parse_text("A" * 5000 + ";2")
    assert (line.reference, line.error) == ("A" * 100, "bad_reference")
    assert len(line.raw) == 200 and line.raw.endswith("…")


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://evil.example","AB-1")',
        "AB-1;=1+2",
        "AB-1;+3",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        " =1+1;2",
        "AB-1\t=2*3",
        "-AB;2",
    ],
)
def test_formula_cells_are_refused(text):
    (line,) = parse_text(text)
    assert line.error == "formula"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+1", True),
        ("+33612345678", True),
        ("@SUM(A1)", True),
        ("\t=1", True),
        ("\tAB", True),
        ("\rAB", True),
        ("  =1", True),
        ("-", True),
        ("-A", True),
        ("-2+3+cmd|' /C calc'!A0", True),
        ("-3", False),
        ("-2,5", False),
        ("AB-1", False),
        ("3", False),
        ("", False),
        ("a=b", False),
    ],
)
def test_is_formula(value, expected):
    assert is_formula(value) is expected


def test_control_characters_are_removed():
    (line,) = parse_text("AB\x00-1\x07;2")
    assert (line.reference, line.quantity, line.raw) == ("AB-1", D(2), "AB-1;2")


def test_more_than_max_lines_keeps_the_first_and_adds_one_error_line():
    text = "Ref;Qty\n" + "".join(f"R{i};1\n" for i in range(MAX_LINES + 25))
    lines = parse_text(text)
    assert len(lines) == MAX_LINES + 1
    assert not any(line.error for line in lines[:MAX_LINES])
    assert lines[MAX_LINES - 1].reference == f"R{MAX_LINES - 1}"
    last = lines[-1]
    assert (last.number, last.reference, last.quantity, last.error) == (
        MAX_LINES + 2,
        "",
        None,
        "too_many_lines",
    )
    assert last.raw == f"R{MAX_LINES};1"
    assert len(parse_text("R;1\n" * MAX_LINES)) == MAX_LINES


def test_error_codes_have_sentences():
    assert {
        "no_reference",
        "bad_reference",
        "bad_quantity",
        "formula",
        "too_many_lines",
        "below_minimum",
        "not_multiple",
    } <= set(ERRORS)
    assert ERRORS["too_many_lines"] % {"max_lines": MAX_LINES}
    assert "10" in ERRORS["below_minimum"] % {"minimum": D(10)}
    assert "6" in ERRORS["not_multiple"] % {"multiple": D(6)}


def test_requested_line_is_frozen():
    line = parse_text("AB-1;2")[0]
    assert isinstance(line, RequestedLine)
    with pytest.raises(AttributeError):
        line.quantity = D(3)


# any text: never raises, one line per non-blank line (a first header aside)
@settings(max_examples=100, deadline=None)
@given(
    st.text(
        alphabet=st.one_of(
            st.sampled_from(list("\t;, \n\r\"'=+-@x×*.,0123456789ABCéQtyréf")),
            st.characters(),
        ),
        max_size=200,
    )
)
def test_parse_text_never_raises_and_keeps_every_line(text):
    lines = parse_text(text)
    sources = re.split(r"\r\n|\r|\n", text)
    filled = [number for number, line in enumerate(sources, 1) if line.strip()]
    numbers = [line.number for line in lines]
    assert numbers in (filled, filled[1:])  # the first one may be a header
    assert numbers == sorted(set(numbers))
    for line in lines:
        assert isinstance(line, RequestedLine)
        assert line.error is None or line.error in ERRORS
        assert line.quantity is None or line.quantity > 0
        assert len(line.raw) <= 200
        assert line.reference == line.reference.strip()
        assert (line.error is None) <= bool(line.reference)


# -- files -------------------------------------------------------------------
FRENCH_CSV = (
    "Référence;Désignation;Quantité\n"
    "AB-1;Câble électrique 2,5 mm²;10\n"
    "AB-2;Gaine;2,5\n"
    ";;\n"
    "AB-3;Boîte à encastrer;\n"
    ";Remise;\n"
    "AB-4;Vis;abc\n"
)
FRENCH_EXPECTED = [
    ("AB-1", D(10), None),
    ("AB-2", D("2.5"), None),
    ("AB-3", D(1), None),
    ("AB-4", None, "bad_quantity"),
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_csv_in_each_encoding(encoding):
    lines = parse_file("commande.csv", FRENCH_CSV.encode(encoding))
    assert read(lines) == FRENCH_EXPECTED
    assert [line.number for line in lines] == [2, 3, 5, 7]
    assert lines[0].raw == "AB-1;Câble électrique 2,5 mm²;10"


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_csv_delimiters_are_sniffed(delimiter):
    rows = [["sku", "name", "qty"], ["AB-1", "Cable, 2 m", "3"], ["AB-2", "Vis", "12"]]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    lines = parse_file("order.CSV", buffer.getvalue().encode())
    assert read(lines) == [("AB-1", D(3), None), ("AB-2", D(12), None)]


def test_csv_without_header_and_windows_line_ends():
    content = "AB-1;2\r\nAB-2;1,5\r\n3760123456789\r\n".encode("cp1252")
    lines = parse_file("list.txt", content)
    assert read(lines) == [
        ("AB-1", D(2), None),
        ("AB-2", D("1.5"), None),
        ("3760123456789", D(1), None),
    ]
    assert [line.number for line in lines] == [1, 2, 3]


def test_csv_reference_falls_back_on_the_barcode_column():
    content = b"SKU,EAN,Qty\nAB-1,3760000000011,2\n,3760000000028,4\n"
    lines = parse_file("order.csv", content)
    assert read(lines) == [("AB-1", D(2), None), ("3760000000028", D(4), None)]


def test_csv_formula_cells():
    content = (
        b'reference;qty\n=HYPERLINK("http://x";"AB");1\nAB-1;=2*3\n'
        b'"\tAB-2";1\n"-1+2";1\nAB-3;-1\n'
    )
    lines = parse_file("order.csv", content)
    assert [line.error for line in lines] == [
        "formula",
        "formula",
        "formula",
        "formula",
        "bad_quantity",
    ]


def test_csv_title_rows_above_the_header_are_skipped():
    content = "Commande n° 12 du 03/02/2026;\n\nQté;Réf\n5;AB-1\n".encode()
    assert read(parse_file("order.csv", content)) == [("AB-1", D(5), None)]


def test_csv_more_than_max_lines():
    content = "".join(f"R{i};1\n" for i in range(MAX_LINES + 3)).encode()
    lines = parse_file("order.csv", content)
    assert len(lines) == MAX_LINES + 1
    assert (lines[-1].error, lines[-1].number) == ("too_many_lines", MAX_LINES + 1)


def test_xlsx_with_french_header_numbers_and_formulas():
    def edit(sheet):
        text = sheet["A5"]
        text.value = '=HYPERLINK("http://evil.example";"AB-9")'
        text.data_type = "s"  # a text cell holding a formula

    content = xlsx(
        [
            ["Bon de commande"],
            [],
            ["Code-barres", "Produit", "Qté"],
            [3760123456789, "Câble", 10],
            [None, "Vis", 2],  # A5 becomes a text formula
            ["AB-2", "Gaine", 2.5],
            ["AB-3", "Boîte", "=2*3"],  # a formula never computed
            ["AB-4", "Prise", None],
            ["AB-5", "Fil", "1,5"],
            [None, "Sous-total", None],
            ["AB-6", "Fiche", 0.1 + 0.2],
            ["AB-7", "Douille", -1],
        ],
        edit,
    )
    lines = parse_file("Commande.xlsx", content)
    assert read(lines) == [
        ("3760123456789", D(10), None),
        ('=HYPERLINK("http://evil.example";"AB-9")', D(2), "formula"),
        ("AB-2", D("2.5"), None),
        ("AB-3", None, "formula"),
        ("AB-4", D(1), None),
        ("AB-5", D("1.5"), None),
        ("AB-6", D("0.3"), None),
        ("AB-7", None, "bad_quantity"),
    ]
    assert [line.number for line in lines] == [4, 5, 6, 7, 8, 9, 11, 12]
    assert lines[0].raw == "3760123456789\tCâble\t10"
    assert all(isinstance(line.quantity, D) for line in lines if line.quantity)


def test_xlsx_ean_stored_as_a_float_keeps_its_digits():
    content = xlsx([["EAN", "Quantity"], [3761234567890, 2]])
    content = patch_sheet(content, b"<v>3761234567890</v>", b"<v>3.76123456789E+12</v>")
    (line,) = parse_file("order.xlsx", content)
    assert (line.reference, line.quantity, line.error) == ("3761234567890", D(2), None)


def test_xlsx_without_header_and_cached_formula_values():
    content = xlsx([["AB-1", 3], ["AB-2", "=1+1"]])
    # as Excel saves it: the formula with its cached value
    content = patch_sheet(content, b"<f>1+1</f><v></v>", b"<f>1+1</f><v>2</v>")
    assert read(parse_file("order.xlsx", content)) == [
        ("AB-1", D(3), None),
        ("AB-2", D(2), None),
    ]


def test_xlsx_more_than_max_lines():
    content = xlsx([[f"R{i}", 1] for i in range(MAX_LINES + 5)])
    lines = parse_file("order.xlsx", content)
    assert len(lines) == MAX_LINES + 1
    assert (lines[-1].error, lines[-1].number) == ("too_many_lines", MAX_LINES + 1)


@pytest.mark.parametrize(
    "filename, content, code",
    [
        ("order.csv", b"", "empty"),
        ("order.csv", b"\xef\xbb\xbf \r\n;;\r\n", "empty"),
        ("order.csv", b"reference;quantity\n", "empty"),
        ("order.csv", b"big", "too_large"),
        ("order.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "bad_type"),
        ("order.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "bad_type"),
        ("order.pdf", b"%PDF-1.4", "bad_type"),
        ("order", b"AB-1;2", "bad_type"),
        ("order.csv", b"AB-1;2\x00\x00\x01", "unreadable"),
        ("order.csv", "AB-1;2".encode("utf-16-le"), "unreadable"),
        ("order.csv", b"\x81\x8d\x8f\x90\x9d", "unreadable"),
        ("order.xlsx", b"AB-1;2\n", "unreadable"),
        ("order.xlsx", b"PK\x03\x04 not really a zip", "unreadable"),
    ],
)
def test_refused_files(filename, content, code):
    if content == b"big":
        content = b"AB-1;2\n" * (MAX_UPLOAD_BYTES // 7 + 1)
    with pytest.raises(UploadError) as caught:
        parse_file(filename, content)
    assert caught.value.code == code
    assert caught.value.message


def test_refused_xlsx_files(monkeypatch):
    with pytest.raises(UploadError) as caught:
        parse_file("order.xlsx", xlsx([["sku", "qty"]]))
    assert caught.value.code == "empty"
    # a zip that is not a workbook
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "AB-1;2")
    with pytest.raises(UploadError) as caught:
        parse_file("order.xlsx", buffer.getvalue())
    assert caught.value.code == "unreadable"
    # a zip bomb: small, but unpacking beyond the limit (lowered to stay fast)
    monkeypatch.setattr(quick_order, "MAX_UNPACKED_BYTES", 1024 * 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (2 * 1024 * 1024))
    assert len(buffer.getvalue()) < 10_000
    with pytest.raises(UploadError) as caught:
        parse_file("order.xlsx", buffer.getvalue())
    assert caught.value.code == "too_large"


def test_xlsx_content_in_a_csv_name_is_read_as_xlsx():
    content = xlsx([["AB-1", 2]])
    assert read(parse_file("order.csv", content)) == [("AB-1", D(2), None)]


# -- minimum and pack quantities -----------------------------------------------
@pytest.mark.parametrize(
    "quantity, minimum, multiple, expected",
    [
        (D(10), D(10), None, None),
        (D(9), D(10), None, ("below_minimum", {"minimum": D(10)})),
        (D(12), None, D(6), None),
        (D(13), None, D(6), ("not_multiple", {"multiple": D(6)})),
        (D(6), D(10), D(6), ("below_minimum", {"minimum": D(10)})),  # minimum first
        (D(12), D(10), D(6), None),
        (D("0.3"), None, D("0.1"), None),  # exact, unlike floats
        (0.3, None, 0.1, None),  # floats as shown
        ("0,3", None, "0.1", None),
        (D("0.35"), None, D("0.1"), ("not_multiple", {"multiple": D("0.1")})),
        (D("1.5"), None, D("0.5"), None),
        (D("1.2"), None, D("0.5"), ("not_multiple", {"multiple": D("0.5")})),
        (D("2.5"), D(0), D(1), None),  # 0 and 1 mean any quantity
        (D(7), None, D(0), None),
        (7, 10.0, "6.0", ("below_minimum", {"minimum": D(10)})),
        (18, "10", 6, None),
        (D("1E+30"), None, D("0.001"), ("bad_quantity", {})),
        (None, D(10), None, ("bad_quantity", {})),
        ("abc", None, None, ("bad_quantity", {})),
    ],
)
def test_check_quantity(quantity, minimum, multiple, expected):
    assert check_quantity(quantity, minimum=minimum, multiple=multiple) == expected


def test_check_quantity_params_are_plain():
    code, params = check_quantity(D(5), minimum="10.000")
    assert (code, str(params["minimum"])) == ("below_minimum", "10")
    code, params = check_quantity(D(5), multiple=100.0)
    assert (code, str(params["multiple"])) == ("not_multiple", "100")


def test_huge_numbers_never_break_the_reading():
    content = xlsx([["sku", "qty"], [1e30, 1e30], ["AB-1", float("1e-9")]])
    assert read(parse_file("order.xlsx", content)) == [
        ("1" + "0" * 30, None, "bad_quantity"),
        ("AB-1", None, "bad_quantity"),
    ]
    assert check_quantity(D(5), minimum=D("1E+40")) == (
        "below_minimum",
        {"minimum": D(10) ** 40},
    )


def test_check_quantity_refuses_a_bad_limit():
    with pytest.raises(ValueError):
        check_quantity(D(5), minimum="ten")


def test_comma_csv_with_more_cells_than_the_header_is_ambiguous():
    lines = parse_file("order.csv", b"sku,qty\nAB-1,2,5\nAB-2,3\n")
    assert read(lines) == [("AB-1", None, "bad_quantity"), ("AB-2", D(3), None)]


# any bytes: a list of lines or an UploadError, never another exception
@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["order.csv", "order.txt", "order.xlsx"]),
    st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(str.encode),
        st.text(max_size=300).map(lambda text: text.encode("utf-16")),
    ),
)
def test_parse_file_never_fails_otherwise(filename, content):
    try:
        lines = parse_file(filename, content)
    except UploadError as error:
        assert error.code in ("too_large", "bad_type", "unreadable", "empty")
        return
    assert lines and all(isinstance(line, RequestedLine) for line in lines)
    assert all(line.error is None or line.error in ERRORS for line in lines)
