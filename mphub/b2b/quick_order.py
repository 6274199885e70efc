"""The quick order: a list of (reference, quantity) typed, pasted or uploaded
by a professional buyer, read into ``RequestedLine`` values.

Nothing here knows products: the addon looks the references up, prices the
lines and checks the stock. This module only reads what was given, and keeps
every line it could not read with an error code, so the buyer sees all the
problems of a list at once.

Text (``parse_text``), one requested line per non-blank input line (lines end
with ``\\n``, ``\\r\\n`` or ``\\r``), the separator chosen per line:

- a tab (a copy from Excel or LibreOffice), else ``;``, else ``,``: the
  reference is the first cell, the quantity the second (unless a header
  says otherwise), other cells are
  ignored, references keep their inner spaces, double quotes around a cell
  are removed; with a tab or ``;`` a decimal comma reads as a decimal
  (``REF;2,5`` is 2.5); with ``,`` an unquoted ``REF,2,5`` is ambiguous and
  reported as ``bad_quantity``;
- ``3 x REF``, ``3x REF``, ``REF x 3`` (``x``, ``X``, ``×`` or ``*``);
- else whitespace: ``REF 3``, the reference being the first word and the
  quantity the second (``AB 100,2`` is the reference "AB 100", quantity 2:
  the comma separates);
- a reference alone means quantity 1. Thousands separators are never read
  (``1 000`` is not a quantity, ``1,000`` neither: 1 or a thousand?).

The first non-blank line is skipped when it is a header: it names a
reference or a quantity column (see ``REFERENCE_HEADERS`` and
``QUANTITY_HEADERS``; case, accents and punctuation ignored) and none of its
cells holding a digit is something else. Its columns are then used for the
next lines (``Qté;Référence`` puts the quantity first).

Files (``parse_file``): CSV or text (UTF-16 with a BOM, UTF-8 with or
without a BOM, else Windows-1252; the delimiter sniffed among ``;``, ``,``
and tab) or XLSX (first worksheet, cached values: a formula is never
evaluated, one without a cached value is a ``formula`` error). The header
is looked for in the first ``HEADER_ROWS`` non-empty rows (rows above it,
titles, are skipped); without one, column 1 is the reference and column 2
the quantity. Rows with neither reference nor quantity are skipped. A whole
file that cannot be read raises ``UploadError``; a bad row is a line with an
error.

Line numbers are 1-based line (text) or row (file) numbers of the source,
blank ones counted, so the buyer finds the line in what they gave. After
``MAX_LINES`` lines, one more line with the ``too_many_lines`` error is
added (numbered as the first ignored line) and the rest is not read.

Error codes (``RequestedLine.error``, stable: the addon translates them
itself; the English sentences of ``ERRORS`` are for logs and tests):

``no_reference``
    no reference on the line (a quantity alone, an empty first cell);
``bad_reference``
    a reference longer than ``MAX_REFERENCE`` characters (kept cut);
``bad_quantity``
    not a number, zero or negative, more than 3 decimals, more than
    ``MAX_QUANTITY``, or ambiguous: ``REF,2,5`` (2.5, or 2 and another
    column?), ``1,000`` (1 or a thousand?);
``formula``
    a cell read as a spreadsheet formula (see ``is_formula``): the line is
    not ordered (OWASP "CSV injection"); its reference stays as read, for
    display only;
``too_many_lines``
    the line after the first ``MAX_LINES`` ones; its sentence takes
    ``max_lines``;
``below_minimum``, ``not_multiple``
    returned by ``check_quantity`` with their parameters (``minimum``,
    ``multiple``), never set by the parsers.
"""

import csv
import io
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_LINES = 1000
#: An XLSX file is a zip: refuse one whose content unpacks beyond this.
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
#: Columns read in an XLSX sheet.
MAX_COLUMNS = 50
#: Non-empty rows of a file searched for a header.
HEADER_ROWS = 10
MAX_REFERENCE = 100
MAX_QUANTITY = Decimal(1_000_000)
MAX_DECIMALS = 3
MAX_RAW = 200

ERRORS = {
    "no_reference": "This line has no reference.",
    "bad_reference": "The reference is too long.",
    "bad_quantity": "The quantity is not valid: give a positive number "
    "with at most 3 decimals.",
    "formula": "This line holds a spreadsheet formula: it was ignored.",
    "too_many_lines": "Only the first %(max_lines)s lines are read: "
    "this line and the next ones were ignored.",
    "below_minimum": "The minimum order quantity is %(minimum)s.",
    "not_multiple": "This product is sold by multiples of %(multiple)s.",
}

UPLOAD_ERRORS = {
    "too_large": f"The file is larger than {MAX_UPLOAD_BYTES // 1024**2} MiB.",
    "bad_type": "Only CSV, text and XLSX files can be read.",
    "unreadable": "The file cannot be read.",
    "empty": "The file holds no line.",
}

# normalised header -> priority of the reference column: a row's reference is
# its first filled cell by priority (an empty sku falls back on the ean); the
# product columns (2) are used only when no other reference column exists
REFERENCE_HEADERS = {
    **dict.fromkeys(
        (
            "sku",
            "ref",
            "refs",
            "reference",
            "references",
            "code",
            "article",
            "code_article",
            "ref_article",
            "reference_article",
            "code_produit",
            "ref_produit",
            "reference_produit",
            "product_code",
            "product_reference",
            "item",
            "item_code",
            "item_number",
            "part_number",
            "default_code",
            "internal_reference",
            "reference_interne",
        ),
        0,
    ),
    **dict.fromkeys(
        (
            "ean",
            "ean13",
            "ean_13",
            "code_ean",
            "gtin",
            "upc",
            "barcode",
            "bar_code",
            "code_barre",
            "code_barres",
            "codes_barres",
        ),
        1,
    ),
    **dict.fromkeys(("product", "products", "produit", "produits"), 2),
}
QUANTITY_HEADERS = frozenset(
    (
        "qty",
        "qte",
        "qt",
        "quantity",
        "quantities",
        "quantite",
        "quantites",
        "qty_ordered",
        "ordered_qty",
        "quantity_ordered",
        "ordered_quantity",
        "qte_commandee",
        "quantite_commandee",
    )
)


class UploadError(Exception):
    """A whole uploaded file refused. ``code`` is one of ``UPLOAD_ERRORS``
    (``too_large``, ``bad_type``, ``unreadable``, ``empty``), ``message``
    an English sentence for logs."""

    def __init__(self, code, message=None):
        self.code = code
        self.message = message or UPLOAD_ERRORS.get(code, code)
        super().__init__(self.message)


@dataclass(frozen=True)
class RequestedLine:
    """One requested line: what the buyer gave, read."""

    number: int  # 1-based line or row number in the source
    reference: str  # stripped, "" when missing
    quantity: Decimal | None  # None when unreadable
    error: str | None = None  # a code of ERRORS
    raw: str = ""  # the source line or row as text, at most MAX_RAW chars


# -- cells -------------------------------------------------------------------
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
_NEGATIVE = re.compile(r"-\s*(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)")
_DIGITS = re.compile(r"[0-9]+")
_THOUSANDS = re.compile(r"[1-9][0-9]{0,2},[0-9]{3}")


def is_formula(value):
    """Whether a cell would be taken as a formula by a spreadsheet: it starts
    with ``=``, ``+``, ``@``, a tab or a carriage return, or with ``-`` not
    followed by a number (``-3`` is a number, ``-2+3+cmd|...`` is not);
    leading spaces ignored."""
    if not isinstance(value, str) or not value:
        return False
    if value[0] in "\t\r":
        return True
    text = value.strip()
    if text[:1] in ("=", "+", "@"):
        return True
    return text.startswith("-") and not _NEGATIVE.fullmatch(text)


def _clean(text):
    """Text without control characters (tabs become spaces), stripped."""
    return _CONTROL.sub("", str(text).replace("\t", " ")).strip()


def _raw(text):
    text = _CONTROL.sub("", text).strip()
    return text if len(text) <= MAX_RAW else text[: MAX_RAW - 1] + "…"


def _plain(number):
    """A Decimal without useless zeros nor exponent (100, 2.5)."""
    number = number.normalize()
    return Decimal(f"{number:f}") if number.as_tuple().exponent > 0 else number


def _float(value):
    """The Decimal a spreadsheet shows for a float (15 significant digits:
    0.1 + 0.2 is 0.3)."""
    return Decimal(f"{value:.15g}")


def _cell_text(value):
    """A cell value as text: whole numbers as their digits (an EAN read as
    the float 3.76123456789e12 is "3761234567890"), never an exponent."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        return f"{_plain(_float(value)):f}"
    if isinstance(value, Decimal):
        return f"{_plain(value):f}" if value.is_finite() else str(value)
    return str(value)


def _header(value):
    text = unicodedata.normalize("NFKD", _cell_text(value)).encode("ascii", "ignore")
    return re.sub(r"[^a-z0-9]+", "_", text.decode().lower()).strip("_")


def _to_decimal(value):
    """A Decimal from a cell or an argument (Decimal, int, float or text with
    a dot or a comma as decimal separator); None when it is no number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return _float(value) if value == value and abs(value) != float("inf") else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not _NUMBER.fullmatch(text):
        return None
    text = text.replace(",", ".")
    if text.endswith("."):
        text += "0"
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern guards
        return None


def _quantity(value):
    """(quantity, ok): quantity 1 when the cell is empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return Decimal(1), True
    if isinstance(value, str) and _THOUSANDS.fullmatch(value.strip()):
        return None, False  # 1,000: one or a thousand?
    number = _to_decimal(value)
    if (
        number is None
        or number <= 0
        or number > MAX_QUANTITY
        or number.normalize().as_tuple().exponent < -MAX_DECIMALS
    ):
        return None, False
    return _plain(number), True


def _line(number, reference, quantity, raw, ambiguous=False):
    """A RequestedLine from the reference and quantity cells (raw values)."""
    formula = any(is_formula(cell) for cell in (reference, quantity))
    reference = _clean(_cell_text(reference))
    quantity, ok = _quantity(quantity)
    if ambiguous:
        quantity, ok = None, False
    error = None
    if formula:
        error = "formula"
    elif not reference:
        error = "no_reference"
    elif len(reference) > MAX_REFERENCE:
        error = "bad_reference"
    elif not ok:
        error = "bad_quantity"
    return RequestedLine(number, reference[:MAX_REFERENCE], quantity, error, _raw(raw))


def _overflow(number, raw):
    return RequestedLine(number, "", None, "too_many_lines", _raw(raw))


# -- columns -------------------------------------------------------------------
@dataclass(frozen=True)
class _Columns:
    references: tuple = (0,)  # indexes, by priority
    quantity: int | None = 1
    header: bool = False
    width: int = 2  # cells of the header (2 without one)

    def cells(self, row):
        """(reference cell, quantity cell) of a row."""

        def cell(index):
            return row[index] if index is not None and index < len(row) else None

        reference = None
        for index in self.references:
            reference = cell(index)
            if _cell_text(reference).strip():
                break
        return reference, cell(self.quantity)


def _header_columns(row):
    """The _Columns a header row names, or None when the row is no header."""
    names = [_header(cell) for cell in row]
    references = sorted(
        (REFERENCE_HEADERS[name], index)
        for index, name in enumerate(names)
        if name in REFERENCE_HEADERS
    )
    quantities = [index for index, name in enumerate(names) if name in QUANTITY_HEADERS]
    if not references and not quantities:
        return None
    for cell, name in zip(row, names, strict=True):
        known = name in REFERENCE_HEADERS or name in QUANTITY_HEADERS
        if not known and (
            not isinstance(cell, str) or re.search("[0-9]", cell) or is_formula(cell)
        ):
            if cell is not None and _cell_text(cell).strip():
                return None
    quantity = quantities[0] if quantities else None
    if references and references[0][0] < 2:  # product names only without codes
        references = [item for item in references if item[0] < 2]
    if references:
        indexes = tuple(index for _priority, index in references)
    else:
        indexes = (next(i for i in range(len(row) + 1) if i != quantity),)
    return _Columns(indexes, quantity, header=True, width=len(row))


def _ambiguous(row, columns):
    """Whether a comma-separated row reads like ``REF,2,5``: the quantity is
    the last expected cell, made of digits, and one more cell of 1 to 3
    digits follows (a decimal comma or another column?)."""
    index = columns.quantity
    if index is None or index != columns.width - 1 or len(row) != index + 2:
        return False
    whole, fraction = _cell_text(row[index]).strip(), _cell_text(row[-1]).strip()
    return bool(_DIGITS.fullmatch(whole)) and bool(re.fullmatch("[0-9]{1,3}", fraction))


# -- text --------------------------------------------------------------------
_QTY = r"[0-9]+(?:[.,][0-9]+)?"
_QTY_FIRST = re.compile(rf"(?P<qty>{_QTY})\s*[xX×*]\s+(?P<ref>\S.*)")
_REF_FIRST = re.compile(rf"(?P<ref>\S.*?)\s+[xX×*]\s*(?P<qty>{_QTY})")


def _split(line, delimiter):
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:  # a field beyond csv's size limit
        return line.split(delimiter)


def _text_cells(line):
    """(cells, kind) of a text line; the cells of kind "x" are [reference,
    quantity], the others are columns."""
    for delimiter in ("\t", ";"):
        if delimiter in line:
            return _split(line, delimiter), delimiter
    text = line.strip()
    for pattern in (_QTY_FIRST, _REF_FIRST):
        match = pattern.fullmatch(text)
        if match:
            return [match["ref"], match["qty"]], "x"
    if "," in line:
        return _split(line, ","), ","
    return text.split(), "space"


def parse_text(text):
    """The RequestedLines of a typed or pasted text (see the module)."""
    lines, columns, first = [], _Columns(), True
    text = str(text or "").lstrip("\ufeff")
    for number, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        if not line.strip():
            continue
        cleaned = _CONTROL.sub("", line)
        cells, kind = _text_cells(cleaned)
        if first:
            first = False
            header = _header_columns(cells) if kind != "x" else None
            if header:
                columns = header
                continue
        if len(lines) == MAX_LINES:
            lines.append(_overflow(number, cleaned))
            break
        if kind == "x":
            reference, quantity = cells
        else:
            reference, quantity = columns.cells(cells)
        ambiguous = kind == "," and _ambiguous(cells, columns)
        lines.append(_line(number, reference, quantity, cleaned, ambiguous))
    return lines


# -- files -------------------------------------------------------------------
def _rows_lines(rows, delimiter=None):
    """RequestedLines from (number, cells, raw) rows of a file."""
    lines, columns, seen = [], None, 0
    pending = []  # rows before the header is found
    for number, row, raw in rows:
        row = list(row)
        while row and not _cell_text(row[-1]).strip():
            row.pop()
        if not row:
            continue
        if columns is None:
            header = _header_columns(row)
            if header:
                columns, pending = header, []
                continue
            seen += 1
            pending.append((number, row, raw))
            if seen < HEADER_ROWS:
                continue
            columns = _Columns()
            todo = pending
        else:
            todo = [(number, row, raw)]
        for item in todo:
            if not _read_row(lines, columns, delimiter, *item):
                return lines
    if columns is None:
        for item in pending:
            if not _read_row(lines, _Columns(), delimiter, *item):
                return lines
    return lines


def _read_row(lines, columns, delimiter, number, row, raw):
    """Append the row's line; False when MAX_LINES were read."""
    reference, quantity = columns.cells(row)
    if not _cell_text(reference).strip() and not _cell_text(quantity).strip():
        return True
    if len(lines) == MAX_LINES:
        lines.append(_overflow(number, raw))
        return False
    ambiguous = delimiter == "," and _ambiguous(row, columns)
    lines.append(_line(number, reference, quantity, raw, ambiguous))
    return True


def _decode(content):
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "utf-8", "cp1252")
    for encoding in encodings:
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text.lstrip("\ufeff")
    raise UploadError("unreadable", "The file is not UTF-8 nor Windows-1252 text.")


def _delimiter(text):
    """The delimiter of a CSV text: among tab, ";" and ",", the one found as
    many times on each of the first lines (quoted text ignored), else the
    most frequent; tab, then ";", on a tie (so "REF;2,5" is ";")."""
    sample = [
        re.sub(r'"[^"]*"', "", line) for line in text.splitlines()[:50] if line.strip()
    ][:20]
    best, best_key = ";", None
    for rank, delimiter in enumerate(("\t", ";", ",")):
        counts = [line.count(delimiter) for line in sample]
        if not any(counts):
            continue
        key = (len(set(counts)) == 1, sum(counts), -rank)
        if best_key is None or key > best_key:
            best, best_key = delimiter, key
    return best


def _csv_rows(text, delimiter):
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for number, row in enumerate(reader, start=1):  # noqa: B007
            yield number, row, delimiter.join(row)
    except csv.Error as error:
        raise UploadError("unreadable", f"Unreadable CSV row {number + 1}.") from error


def _parse_csv(content):
    text = _decode(content)
    if not text.strip():
        raise UploadError("empty")
    delimiter = _delimiter(text)
    return _rows_lines(_csv_rows(text, delimiter), delimiter)


def _parse_xlsx(content):
    """The lines of the first worksheet: cached values, and a formula without
    a cached value kept as its text (a ``formula`` error)."""
    import openpyxl  # noqa: PLC0415 - only needed for spreadsheets

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise UploadError("unreadable", "The file is not a valid XLSX file.") from error
    if unpacked > MAX_UNPACKED_BYTES:
        raise UploadError("too_large", "The XLSX file unpacks too large.")
    books = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for data_only in (True, False):
                books.append(
                    openpyxl.load_workbook(
                        io.BytesIO(content), read_only=True, data_only=data_only
                    )
                )
            if not all(book.worksheets for book in books):
                raise UploadError("empty")
            values, formulas = (
                book.worksheets[0].iter_rows(values_only=True, max_col=MAX_COLUMNS)
                for book in books
            )
            return _rows_lines(_sheet_rows(values, formulas))
    except UploadError:
        raise
    except Exception as error:  # openpyxl raises many kinds for a bad file
        raise UploadError("unreadable", "The file is not a valid XLSX file.") from error
    finally:
        for book in books:
            book.close()


def _sheet_rows(values, formulas):
    """(number, cells, raw) of a sheet read twice: cached values, stored
    formulas."""
    for number, row in enumerate(values, start=1):
        stored = next(formulas, ())
        cells = [
            _formula_text(stored[i] if i < len(stored) else None)
            if value is None
            else value
            for i, value in enumerate(row)
        ]
        yield number, cells, "\t".join(_cell_text(cell) for cell in cells)


def _formula_text(stored):
    """A formula cell without a cached value, as its formula text."""
    text = getattr(stored, "text", stored)  # an ArrayFormula has .text
    return text if isinstance(text, str) and text.startswith("=") else None


def parse_file(filename, content):
    """The RequestedLines of an uploaded file (see the module). Raises
    ``UploadError`` for a file that cannot be read as a whole."""
    content = bytes(content or b"")
    if len(content) > MAX_UPLOAD_BYTES:
        raise UploadError("too_large")
    extension = str(filename or "").lower().rpartition(".")[2]
    if "." not in str(filename or "") or extension not in ("csv", "txt", "xlsx"):
        raise UploadError("bad_type")
    if not content.strip():
        raise UploadError("empty")
    if content.startswith(b"\xd0\xcf\x11\xe0"):  # a legacy .xls (OLE) renamed
        raise UploadError("bad_type", "Legacy Excel (.xls) files cannot be read.")
    if content.startswith(b"PK\x03\x04"):
        lines = _parse_xlsx(content)
    elif extension == "xlsx":
        raise UploadError("unreadable", "The file is not a valid XLSX file.")
    else:
        lines = _parse_csv(content)
    if not lines:
        raise UploadError("empty")
    return lines


def check_quantity(quantity, minimum=None, multiple=None):
    """None when ``quantity`` may be ordered, else ``(code, params)``:
    ``("below_minimum", {"minimum": m})`` when below a positive minimum,
    else ``("not_multiple", {"multiple": k})`` when not a multiple of a pack
    quantity other than 0 and 1 (0.5 allows 1.5, not 1.2), in exact
    Decimal arithmetic; ``("bad_quantity", {})`` when the quantity is no
    number. Arguments are Decimal, int, float (as shown: 0.1 is 0.1) or
    text; params values are Decimals without useless zeros. Raises
    ValueError for a minimum or multiple that is no number."""
    limits = []
    for name, value in (("minimum", minimum), ("multiple", multiple)):
        number = None if value is None or value == "" else _to_decimal(value)
        if number is None and value not in (None, ""):
            raise ValueError(f"{name} {value!r} is not a number")
        limits.append(number)
    minimum, multiple = limits
    quantity = _to_decimal(quantity)
    if quantity is None:
        return "bad_quantity", {}
    if minimum is not None and minimum > 0 and quantity < minimum:
        return "below_minimum", {"minimum": _plain(minimum)}
    if multiple is not None and multiple > 0 and multiple != 1:
        try:
            remainder = quantity % multiple
        except InvalidOperation:  # beyond 28 digits: no sane quantity
            return "bad_quantity", {}
        if remainder != 0:
            return "not_multiple", {"multiple": _plain(multiple)}
    return None
