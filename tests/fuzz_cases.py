"""Malformed raw files by family and format, for tests/test_fuzz.py.

A case is the bytes of one raw file (or a registry entry) built from valid rows and then
broken one way. Each family is the kind of mistake a careless or hostile contributor makes.
`record_lines` are the physical lines where data records start, when the family keeps them
knowable (so a row that is neither loaded nor rejected can be counted as lost).
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

FULL_WIDTH = str.maketrans("0123456789,.", "０１２３４５６７８９，．")
CLAIMS_COLUMNS = [
    "claim_id", "subject", "product", "market_scope", "metric", "period", "value", "unit",
    "bound", "source_id", "location_note",
]  # fmt: skip
CASE_SOURCE = "fuzz_case"
# Where each format's case file goes, its dataset, and the registry lines it needs.
FORMATS = {
    "claims_csv": ("claims/aa_fuzz_case.csv", "article_claims", "article", {}),
    "owid_csv": ("statistics/owid_fuzz_case.csv", "production_series", "statistic", {"unit": "kt"}),
    "imf_csv": ("statistics/imf_fuzz_case.csv", "price_series", "statistic", {"unit": "USD/t"}),
    "fred_csv": ("statistics/fred_FUZZ.csv", "exchange_rates", "statistic", {"unit": "CNY/USD"}),
    "article_text": ("articles/zz_fuzz_case.md", "articles", "article", {}),
}
CSV_FORMATS = ["claims_csv", "owid_csv", "imf_csv", "fred_csv"]
FAMILIES = {
    "wrong_types": CSV_FORMATS,
    "missing_extra_fields": CSV_FORMATS,
    "unknown_units": ["claims_csv", "owid_csv", "imf_csv", "fred_csv"],
    "extreme_numbers": [*CSV_FORMATS, "article_text"],
    "thousands_separators": [*CSV_FORMATS, "article_text"],
    "full_width_digits": [*CSV_FORMATS, "article_text"],
    "chinese_scale_words": ["claims_csv", "owid_csv", "article_text"],
    "bom_crlf": [*CSV_FORMATS, "article_text", "registry"],
    "quoted_newlines": ["claims_csv", "owid_csv"],
    "other_delimiters": CSV_FORMATS,
    "duplicate_ids": [*CSV_FORMATS, "registry"],
    "empty": [*CSV_FORMATS, "article_text", "registry"],
    "binary": [*CSV_FORMATS, "article_text", "registry"],
    "gbk_encoded": ["claims_csv", "owid_csv", "article_text", "registry"],
    "utf16_encoded": [*CSV_FORMATS, "article_text", "registry"],
    "truncated": [*CSV_FORMATS, "article_text", "registry"],
    "enormous_lines": [*CSV_FORMATS, "article_text"],
    "malformed_yaml": ["registry", "article_text"],
    "yaml_tags": ["registry", "article_text"],
    "registry_paths": ["registry"],
}
PAIRS = [(family, file_format) for family, formats in FAMILIES.items() for file_format in formats]


@dataclass
class Case:
    family: str
    file_format: str
    data: bytes  # the case file, or for format "registry" the whole sources.yml
    record_lines: frozenset[int] | None = None

    @property
    def file(self) -> str:
        return "sources.yml" if self.file_format == "registry" else FORMATS[self.file_format][0]


# ---- valid rows -------------------------------------------------------------------------

words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz 滨州铝业", min_size=1, max_size=12).map(
    lambda text: text.strip() or "x"
)
numbers = st.decimals(min_value=0, max_value=9999, places=2, allow_nan=False).map(str)
years = st.integers(min_value=1990, max_value=2030)
claim_units = st.sampled_from(["billion yuan", "%", "yuan/t", "亿元", "Mt", "万吨"])
plausible = {"%": "60", "yuan/t": "500"}


@st.composite
def claims_rows(draw) -> list[list[str]]:
    rows = []
    for index in range(draw(st.integers(min_value=1, max_value=6))):
        unit = draw(claim_units)
        value = plausible.get(unit) or draw(numbers)
        rows.append(
            [
                f"{CASE_SOURCE}__{index:02d}", draw(words), "", "", "output_value",
                str(draw(years)), value, unit, "exact", CASE_SOURCE, draw(words),
            ]
        )  # fmt: skip
    return [list(CLAIMS_COLUMNS), *rows]


@st.composite
def owid_rows(draw) -> list[list[str]]:
    first = draw(years)
    count = draw(st.integers(min_value=1, max_value=6))
    rows = [
        ["World", "OWID_WRL", str(first + index), draw(numbers), draw(numbers | st.just(""))]
        for index in range(count)
    ]
    return [["Entity", "Code", "Year", "Aluminium", "Bauxite"], *rows]


@st.composite
def monthly_rows(draw, header: list[str], low: float, high: float) -> list[list[str]]:
    year = draw(years)
    count = draw(st.integers(min_value=1, max_value=12))
    values = st.floats(min_value=low, max_value=high).map(lambda value: f"{value:.4f}")
    return [header, *([f"{year}-{month:02d}-01", draw(values)] for month in range(1, count + 1))]


def base_rows(file_format: str) -> st.SearchStrategy[list[list[str]]]:
    if file_format == "claims_csv":
        return claims_rows()
    if file_format == "owid_csv":
        return owid_rows()
    if file_format == "imf_csv":
        return monthly_rows(["Date", "Price"], 1000, 4000)
    return monthly_rows(["observation_date", "FUZZ"], 5, 8)


def to_csv(rows: list[list[str]], delimiter: str = ",", newline: str = "\n") -> tuple[str, list]:
    """CSV text and the physical line where each record starts (quoted newlines move them)."""
    lines, starts, line = [], [], 1
    for row in rows:
        cells = []
        for cell in row:
            if any(character in cell for character in f'"{delimiter}\n\r') or cell != cell.strip():
                cell = '"' + cell.replace('"', '""') + '"'
            cells.append(cell)
        text = delimiter.join(cells)
        starts.append(line)
        line += text.count("\n") + 1
        lines.append(text)
    return newline.join(lines) + newline, starts


def value_column(rows: list[list[str]]) -> int:
    header = rows[0]
    return header.index("value") if "value" in header else len(header) - 1 - (len(header) == 5)


# ---- families for CSV formats -----------------------------------------------------------

WEIRD_VALUES = [
    "-5", "-0", "NaN", "nan", "inf", "-inf", "Infinity", "1e308", "1e309", "-1e308", "1e-320",
    "0", "0x1F", "1_000", "+7", ".5", "5.", "", " ", "１e3", "1e3", "true", "null",
]  # fmt: skip
SEPARATED = ["50, 000", "50,000", "1,000,000.5", "1,00", "1 000", "1.000,5", "50，000", "5,0000"]
SCALED = ["3300亿", "3.3万", "1.2 billion", "5千", "3300 亿元", "两千", "十万"]
TYPES = ["true", "[1, 2]", "{}", "null", "2019-13-45", "abc", "1.2.3", "'7'", "=1+1", "—"]


@st.composite
def csv_case(draw, family: str, file_format: str) -> Case:
    rows = draw(base_rows(file_format))
    data_rows = rows[1:]
    column = value_column(rows)
    pick = st.integers(min_value=0, max_value=len(data_rows) - 1)
    newline, delimiter, known = "\n", ",", True
    if family == "wrong_types":
        row = data_rows[draw(pick)]
        row[draw(st.integers(min_value=0, max_value=len(row) - 1))] = draw(st.sampled_from(TYPES))
    elif family == "missing_extra_fields":
        row = draw(st.sampled_from(rows))
        if draw(st.booleans()):
            del row[draw(st.integers(min_value=0, max_value=len(row) - 1))]
        else:
            row.insert(draw(st.integers(min_value=0, max_value=len(row))), draw(words))
    elif family == "unknown_units":
        if file_format == "claims_csv":
            data_rows[draw(pick)][7] = draw(
                st.sampled_from(["furlongs", "亿", "billion", "%%", "yuan per", "kt/", "USD/m2"])
                | words
            )
        else:
            data_rows[draw(pick)][column] = draw(st.sampled_from(["5 kt", "5t", "$5", "5%"]))
    elif family == "extreme_numbers":
        for row in draw(st.lists(st.sampled_from(data_rows), min_size=1)):
            row[column] = draw(st.sampled_from(WEIRD_VALUES))
    elif family == "thousands_separators":
        data_rows[draw(pick)][column] = draw(st.sampled_from(SEPARATED))
    elif family == "full_width_digits":
        row = data_rows[draw(pick)]
        for index in draw(st.lists(st.integers(0, len(row) - 1), min_size=1, max_size=3)):
            row[index] = row[index].translate(FULL_WIDTH)
    elif family == "chinese_scale_words":
        data_rows[draw(pick)][column] = draw(st.sampled_from(SCALED))
    elif family == "bom_crlf":
        newline = draw(st.sampled_from(["\r\n", "\r", "\n"]))
    elif family == "quoted_newlines":
        row = data_rows[draw(pick)]
        index = draw(st.sampled_from([1, 10, column] if file_format == "claims_csv" else [0, 3]))
        row[index] = draw(st.sampled_from(["a\nb", "\n", "x\r\ny", row[index] + "\n"]))
    elif family == "other_delimiters":
        delimiter = draw(st.sampled_from([";", "\t", "|"]))
    elif family == "duplicate_ids":
        data_rows.insert(draw(pick), list(draw(st.sampled_from(data_rows))))
    elif family == "enormous_lines":
        row = data_rows[draw(pick)]
        size = draw(st.sampled_from([10_000, 140_000, 600_000]))
        row[draw(st.integers(0, len(row) - 1))] = "9" * size if draw(st.booleans()) else "x" * size
    text, starts = to_csv(rows, delimiter, newline)
    data = text.encode("utf-8")
    if family == "bom_crlf" and draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    elif family == "gbk_encoded":
        data = text.encode("gbk", errors="replace")
    elif family == "utf16_encoded":
        data = text.encode(draw(st.sampled_from(["utf-16", "utf-16-le", "utf-16-be"])))
        known = False
    elif family == "truncated":
        data = data[: draw(st.integers(min_value=0, max_value=max(len(data) - 1, 0)))]
        known = False
    elif family == "empty":
        data = draw(st.sampled_from([b"", b"\n", b"  \r\n\n", text.splitlines()[0].encode()]))
        known = False
    elif family == "binary":
        data = draw(st.binary(min_size=1, max_size=2000)) + b"\x00" + data[:100]
        known = False
    return Case(family, file_format, data, frozenset(starts[1:]) if known else None)


# ---- articles ---------------------------------------------------------------------------

SENTENCES = [
    "Binzhou's aluminium output value reached 330 billion yuan in 2018.",
    "Weiqiao holds 60% of the domestic conductor rail market.",
    "滨州铝产业2019年营业收入3300亿元。",
    "The plant makes 1,500 tonnes a day.",
]


@st.composite
def article_case(draw, family: str) -> Case:
    header = (
        "---\ntitle: Fuzz\npublisher: Test\npublished: 2020-01-02\nurl: http://x.invalid\n---\n"
    )
    body = " ".join(draw(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=6)))
    newline = "\n"
    if family == "extreme_numbers":
        body += f" Output was {draw(st.sampled_from(WEIRD_VALUES))} billion yuan in 2019."
    elif family == "thousands_separators":
        body += f" Output was {draw(st.sampled_from(SEPARATED))} tonnes in 2019."
    elif family in ("full_width_digits", "chinese_scale_words"):
        body = body.translate(FULL_WIDTH) if family == "full_width_digits" else body
        body += f" 产量{draw(st.sampled_from(SCALED))}吨。"
    elif family == "bom_crlf":
        newline = draw(st.sampled_from(["\r\n", "\r"]))
    elif family == "enormous_lines":
        body += " " + "铝" * draw(st.sampled_from([10_000, 200_000]))
    elif family == "malformed_yaml":
        header = draw(
            st.sampled_from(
                [
                    "---\ntitle: [unclosed\n---\n",
                    "---\ntitle: a\ntitle: b\n---\n",
                    "---\nno colon here\n---\n",
                    "---\ntitle: never closed\n",
                    "---\n\tpublisher:\ttabbed\n---\n",
                    "---\n: empty key\n---\n",
                    "---\npublished: 2020-13-45\n---\n",
                ]
            )
        )
    elif family == "yaml_tags":
        header = draw(
            st.sampled_from(
                [
                    "---\ntitle: !!python/object/apply:os.system ['echo owned']\n---\n",
                    "---\npublished: !!timestamp 2020-01-01\n---\n",
                    "---\n!custom title: x\n---\n",
                    "---\nsource_id: &a fuzz\nurl: *a\n---\n",
                ]
            )
        )
    text = (header + body + "\n").replace("\n", newline)
    data = text.encode("utf-8")
    if family == "bom_crlf" and draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    elif family == "gbk_encoded":
        data = text.encode("gbk", errors="replace")
    elif family == "utf16_encoded":
        data = text.encode(draw(st.sampled_from(["utf-16", "utf-16-le"])))
    elif family == "truncated":
        data = data[: draw(st.integers(min_value=0, max_value=len(data) - 1))]
    elif family == "empty":
        data = draw(st.sampled_from([b"", b"\n\n", b"   ", b"---\n---\n"]))
    elif family == "binary":
        data = draw(st.binary(min_size=1, max_size=2000)) + b"\x00"
    return Case(family, "article_text", data)


# ---- the registry -----------------------------------------------------------------------

ENTRY = """- id: fuzz_entry
  kind: statistic
  publisher: Fuzz
  title: Fuzz
  url: http://x.invalid
  published: 2020
  retrieved: 2026-11-29
  licence: test
  trust: B
  dataset: exchange_rates
  format: fred_csv
  files: [statistics/fred_FUZZ.csv]
  series: {unit: CNY/USD}
"""
ENTRY_BREAKS = {
    "duplicate_ids": ["  id: test_article\n", "  id: fuzz_entry\n"],
    "malformed_yaml": [
        "  title: [unclosed\n", " kind: bad indent\n", "\tlicence: tab\n",
        "  trust: B\n  trust: A\n", "  - stray item\n", "  url: 'open\n",
    ],
    "yaml_tags": [
        "  title: !!python/object/apply:os.system ['echo owned']\n", "  kind: !custom x\n",
        "  published: !!timestamp 2020-01-01\n", "  files: !!binary aGVsbG8=\n",
        "  trust: !!int 3\n", "  files: !!set {a, b}\n", "  series: !!python/name:os.system\n",
    ],
    "registry_paths": [
        "  files: [../../../../etc/passwd]\n", "  files: [/etc/hostname]\n",
        '  files: ["statistics/\\0x.csv"]\n', "  files: [statistics/../../x.csv]\n",
        "  files: ['./statistics//fred_FUZZ.csv ']\n", "  files: ['statistics\\\\fred_FUZZ.csv']\n",
        "  files: [sources.yml]\n", "  files: [.]\n", "  files: ['']\n",
    ],
    "wrong_types": [
        "  id: 17\n", "  id: [a]\n", "  kind: [statistic]\n", "  dataset: {a: 1}\n",
        "  format: 5\n", "  files: statistics/fred_FUZZ.csv\n", "  files: [1, 2]\n",
        "  series: [unit]\n", "  trust: [A]\n", "  published: {y: 1}\n", "  files: {}\n",
    ],
}  # fmt: skip


PATH_PIECES = [
    "statistics", "fred_FUZZ.csv", "/", "//", "./", "../", "..", "\\", " ", "claims", "/etc",
    "passwd", "C:", "~", "%2e%2e/", "\t", "sources.yml", ".hidden",
]  # fmt: skip


@st.composite
def registry_case(draw, family: str, registry: str) -> Case:
    entry = ENTRY
    if family == "registry_paths" and draw(st.booleans()):
        path = "".join(draw(st.lists(st.sampled_from(PATH_PIECES), min_size=1, max_size=8)))
        entry = ENTRY.replace("[statistics/fred_FUZZ.csv]", "['" + path.replace("'", "''") + "']")
    elif family in ENTRY_BREAKS:
        line = draw(st.sampled_from(ENTRY_BREAKS[family]))
        key = line.strip().split(":")[0]
        if key == "id":  # the entry's first line
            entry = "- " + line.lstrip() + entry.split("\n", 1)[1]
        else:  # drop the key's own line, append the broken one
            kept = [row for row in entry.splitlines(True) if row.strip().split(":")[0] != key]
            entry = "".join(kept) + line
    text = registry.rstrip("\n") + "\n" + entry
    data = text.encode("utf-8")
    if family == "bom_crlf":
        data = (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + text.replace(
            "\n", "\r\n"
        ).encode("utf-8")
    elif family == "gbk_encoded":
        data = (text + "  note: 滨州铝业\n").encode("gbk")
    elif family == "utf16_encoded":
        data = text.encode(draw(st.sampled_from(["utf-16", "utf-16-le"])))
    elif family == "truncated":  # inside the new entry: the others are whole
        start = len(registry.rstrip("\n").encode("utf-8")) + 1
        data = data[: draw(st.integers(min_value=start, max_value=len(data) - 1))]
    elif family == "empty":
        data = draw(st.sampled_from([b"", b"\n", b"sources:\n", b"[]\n", b"  \r\n"]))
    elif family == "binary":
        data = draw(st.binary(min_size=1, max_size=500)) + b"\x00"
    return Case(family, "registry", data)


def cases(registry: str, pairs: list[tuple[str, str]] = PAIRS) -> st.SearchStrategy[Case]:
    def build(pair: tuple[str, str]) -> st.SearchStrategy[Case]:
        family, file_format = pair
        if file_format == "registry":
            return registry_case(family, registry)
        if file_format == "article_text":
            return article_case(family)
        return csv_case(family, file_format)

    return st.sampled_from(pairs).flatmap(build)


def known_cases(registry: str) -> list[Case]:
    """Cases that broke the loader once (the fast subset always runs them)."""
    header = ",".join(CLAIMS_COLUMNS) + "\n"

    def claims(cells: str, encoding: str = "utf-8") -> bytes:
        return (header + f"{CASE_SOURCE}__00,{cells},exact,{CASE_SOURCE},x\n").encode(encoding)

    def entry(old: str, new: str) -> bytes:
        return (registry.rstrip("\n") + "\n" + ENTRY.replace(old, new)).encode("utf-8")

    article = "滨州 330 billion yuan in 2018.\n"
    return [
        Case(
            "full_width_digits",
            "claims_csv",
            claims("a,,,output_value,2019,５０,%"),
            frozenset({2}),
        ),
        Case(
            "full_width_digits",
            "claims_csv",
            claims("a,,,output_value,２０１９,5,%"),
            frozenset({2}),
        ),
        Case(  # a claim id another source's file already has
            "duplicate_ids",
            "claims_csv",
            (header + "t1__01,a,,,output_value,2019,5,%,exact,fuzz_case,x\n").encode(),
            frozenset({2}),
        ),
        Case(
            "extreme_numbers",
            "fred_csv",
            b"observation_date,FUZZ\n2019-01-01,1e309\n",
            frozenset({2}),
        ),
        Case("malformed_yaml", "registry", entry("  title: Fuzz\n", "  title: [unclosed\n")),
        Case("wrong_types", "registry", entry("  kind: statistic\n", "  kind: [statistic]\n")),
        Case("wrong_types", "registry", entry("  series: {unit: CNY/USD}\n", "  series: [unit]\n")),
        Case(
            "yaml_tags", "registry", entry("  title: Fuzz\n", "  title: !!python/name:os.system\n")
        ),
        Case(
            "registry_paths",
            "registry",
            entry("[statistics/", "[../../../../etc/passwd, statistics/"),
        ),
        Case("registry_paths", "registry", entry("[statistics/fred", "['./statistics//fred")),
        Case("utf16_encoded", "claims_csv", claims("a,,,output_value,2019,5,%", "utf-16")),
        Case("utf16_encoded", "registry", registry.encode("utf-16-le")),
        Case(
            "gbk_encoded",
            "claims_csv",
            claims("滨州,,,output_value,2019,5,%", "gbk"),
            frozenset({2}),
        ),
        Case("utf16_encoded", "article_text", article.encode("utf-16")),
        Case("gbk_encoded", "article_text", article.encode("gbk")),
    ]
