"""Write a raw/ directory of any size for the refresh benchmark, deterministic from a seed.

    .venv/bin/python benchmarks/generate.py --scale N [--seed 7] --out DIR
    ALCAP_RAW_DIR=DIR .venv/bin/alcap refresh      (with the seed additions, see below)

Everything grows linearly in N. Per scale unit (one cluster of 50 firms):
- firm-level monthly point statistics (`claims_csv`), 2005-2024, one file per cluster and year
  (~5,000 rows each, ~100,000 per cluster): seven metrics from the city's statistics bureau, and
  three of them again, with other values and bounds, from an industry association (conflicts),
  plus two deliberately bad rows per file (an unknown unit, a month 13);
- a monthly ingot price (`imf_csv` layout), a monthly CNY/USD rate (`fred_csv`, within 0.2 % of
  FRED's) and yearly metal production (`owid_csv`);
- 200 articles in four styles with their front matter, listed under `text:` of four sources,
  and two curated article-claims files.
Scale 1 is Binzhou alone; invented cities follow. Below 1, one cluster with fewer firms and
articles (e.g. --scale 0.05 for tests). The shipped raw/ files are copied as they are at every
scale, so the real marts keep their real inputs.

Invented firms are unknown to dbt's seeds, and a claim whose subject does not resolve fails the
build (assert_every_claim_resolves_to_an_entity_and_a_metric), as it would for a real user who
adds a cluster without adding its firms. So the generator writes the seed rows a user would add
to `DIR/.generated/entities.csv` and `entity_aliases.csv` (a hidden folder: the loader and the
change check skip it); benchmarks/refresh.py runs the pipeline on a copy of the project whose
seeds have them appended. `.generated/bad_rows.csv` lists the rows meant to be rejected and
`.generated/summary.json` what was written.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import scale_articles  # noqa: E402
from benchmarks.scale_names import Cluster, make_clusters, seed_rows  # noqa: E402

SHIPPED_RAW = ROOT / "raw"
GENERATED = ".generated"
YEARS = range(2005, 2025)
FIRMS_PER_CLUSTER = 50
ARTICLES_PER_CLUSTER = 200
CLAIMS_HEADER = (
    "claim_id,subject,product,market_scope,metric,period,value,unit,bound,source_id,location_note"
)
# The bureau's seven monthly metrics: (metric, unit as written, divisor from base value).
BUREAU_METRICS = [
    ("production", "t", 1),
    ("sales_volume", "万吨", 1e4),
    ("capacity", "thousand t/yr", 1e3),
    ("output_value", "万元", 1e4),
    ("revenue", "万元", 1e4),
    ("employment", "employees", 1),
    ("average_selling_price", "yuan/t", 1),
]
ASSOCIATION_METRICS = {"production", "output_value", "sales_volume"}
ASSOCIATION_SHARE = 0.45  # of firm-months the association also reports
STYLE_SHARES = {"wire": 0.3, "trade": 0.3, "results": 0.2, "bulletin": 0.2}


class Output:
    """Writes files under the raw directory and counts what it wrote."""

    def __init__(self, root: Path):
        self.root = root
        self.files = 0
        self.bytes = 0
        self.rows = 0
        self.articles = 0

    def write(self, relative: str, text: str, rows: int = 0) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        path.write_bytes(data)
        self.files += 1
        self.bytes += len(data)
        self.rows += rows


def _csv_field(text: str) -> str:
    if any(character in text for character in ',"\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _yaml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def source_entry(
    source_id: str,
    kind: str,
    publisher: str,
    title: str,
    published: str,
    trust: str,
    language: str,
    dataset: str,
    file_format: str,
    cadence: str,
    files: list[str],
    text: list[str] | None = None,
    series: dict[str, str] | None = None,
) -> str:
    lines = [
        f"  - id: {source_id}",
        f"    kind: {kind}",
        f"    publisher: {_yaml(publisher)}",
        f"    title: {_yaml(title)}",
        f"    url: https://{source_id.replace('_', '-')}.example.invalid/",
        f"    published: {published}",
        "    retrieved: 2026-12-01",
        "    licence: generated for the benchmark; every figure is random",
        f"    trust: {trust}",
        f"    language: {language}",
        f"    dataset: {dataset}",
        f"    format: {file_format}",
        f"    cadence: {cadence}",
        "    files:" + ("" if files else " []"),
        *(f"      - {file}" for file in files),
    ]
    if text:
        lines.append("    text:")
        lines.extend(f"      - {file}" for file in text)
    if series:
        lines.append("    series:")
        lines.extend(f"      {key}: {_yaml(value)}" for key, value in series.items())
    return "\n".join(lines) + "\n"


def _claims_writer(lines: list[str], prefix: str):
    """A function that appends one claims row to `lines`, numbering claim ids from 1."""

    def add(subject, product, metric, period, value, unit, bound, source_id, note) -> None:
        claim_id = f"{prefix}__{len(lines):05d}"
        lines.append(
            f"{claim_id},{_csv_field(subject)},{product},,{metric},{period},{value},{unit},"
            f"{bound},{source_id},{note}"
        )

    return add


def panel_files(
    cluster: Cluster, rng: random.Random, out: Output, bad_rows: list[list[str]]
) -> list[str]:
    """One point-statistics file per year: the bureau's and the association's firm figures."""
    bureau = f"{cluster.slug}_statistics_bureau_firm_survey"
    association = f"{cluster.slug}_aluminium_association_bulletin"
    association_names = {
        firm.entity_id: rng.choice([firm.name, *firm.aliases]) for firm in cluster.firms
    }
    growth = {firm.entity_id: rng.uniform(0.02, 0.09) for firm in cluster.firms}
    files = []
    for year in YEARS:
        relative = f"statistics/firms/{cluster.slug}/{cluster.slug}_firms_{year}.csv"
        lines = [CLAIMS_HEADER]
        add = _claims_writer(lines, f"{cluster.slug}_{year}")
        for firm_index, firm in enumerate(cluster.firms):
            size = firm.capacity_tonnes * (1 + growth[firm.entity_id]) ** (year - 2005) / 3
            for month in range(1, 13):
                period = f"{year}-{month:02d}"
                utilisation = rng.uniform(0.6, 0.97)
                production = size / 12 * utilisation
                price = firm.price_cny_per_tonne * rng.uniform(0.85, 1.15)
                base = {
                    "production": production,
                    "sales_volume": production * rng.uniform(0.95, 1.02),
                    "capacity": size,
                    "output_value": production * price,
                    "revenue": production * price * rng.uniform(0.9, 1.05),
                    "employment": max(size / 150, 20),
                    "average_selling_price": price,
                }
                note = f"firm {firm_index + 1} month {month}"
                for metric, unit, divisor in BUREAU_METRICS:
                    value = base[metric] / divisor
                    written = f"{value:.0f}" if divisor == 1 else f"{value:.2f}"
                    bound = "approx" if metric == "employment" else "exact"
                    add(firm.name, firm.product, metric, period, written, unit, bound, bureau, note)
                for metric, unit, divisor in BUREAU_METRICS:
                    if metric not in ASSOCIATION_METRICS or rng.random() >= ASSOCIATION_SHARE:
                        continue
                    value = base[metric] / divisor * rng.uniform(0.92, 1.08)
                    bound = "at_least" if rng.random() < 0.2 else "approx"
                    add(
                        association_names[firm.entity_id], firm.product, metric, period,
                        f"{value:.2f}", unit, bound, association, f"bulletin {note}",
                    )  # fmt: skip
        # Two rows a careful loader must refuse: a unit the vocabulary does not know (tonnes per
        # year written the Chinese way) and a month that does not exist.
        firm = cluster.firms[rng.randrange(len(cluster.firms))]
        add(firm.name, firm.product, "capacity", str(year), "12.5", "万吨/年", "exact", bureau,
            "typed by hand")  # fmt: skip
        bad_rows.append([relative, str(len(lines)), "unit", "unknown unit"])
        add(firm.name, firm.product, "production", f"{year}-13", "1200", "t", "exact", bureau,
            "typed by hand")  # fmt: skip
        bad_rows.append([relative, str(len(lines)), "period", "bad period"])
        out.write(relative, "\n".join(lines) + "\n", rows=len(lines) - 1)
        files.append(relative)
    return files


def _shipped_exchange_rates() -> dict[str, float]:
    """FRED's monthly CNY/USD of the shipped raw/ file, by first day of the month."""
    lines = (SHIPPED_RAW / "statistics" / "fred_EXCHUS.csv").read_text().splitlines()[1:]
    return {day: float(value) for day, value in (line.split(",") for line in lines)}


def series_files(cluster: Cluster, rng: random.Random, out: Output) -> list[str]:
    """A monthly ingot price, a monthly exchange rate and yearly metal production."""
    entries = []
    price_file = f"statistics/prices/{cluster.slug}_ingot_price.csv"
    price = rng.uniform(13_000, 16_000)
    lines = ["Date,Price"]
    for year in YEARS:
        for month in range(1, 13):
            price *= rng.uniform(0.96, 1.045)
            price = min(max(price, 11_000), 25_000)
            lines.append(f"{year}-{month:02d}-01,{price:.2f}")
    out.write(price_file, "\n".join(lines) + "\n", rows=len(lines) - 1)
    entries.append(
        source_entry(
            f"{cluster.slug}_ingot_price",
            "statistic",
            f"{cluster.city} Nonferrous Metals Exchange",
            f"{cluster.city} A00 aluminium ingot ex-works price, monthly average",
            "2025-01",
            "B",
            "zh",
            "price_series",
            "imf_csv",
            "monthly",
            [price_file],
            series={"entity": cluster.city, "metric": "aluminium_ingot_price", "unit": "CNY/t"},
        )  # fmt: skip
    )
    series_id = f"CNYUSD{cluster.slug.upper()}"
    rate_file = f"statistics/fx/{cluster.slug}_{series_id}.csv"
    lines = [f"observation_date,{series_id}"]
    for month_start, rate in _shipped_exchange_rates().items():
        # Another publisher's monthly average: within 0.2 % of FRED's, so the real marts, which
        # average every monthly CNY/USD series, move by less than that.
        lines.append(f"{month_start},{rate * rng.uniform(0.998, 1.002):.4f}")
    out.write(rate_file, "\n".join(lines) + "\n", rows=len(lines) - 1)
    entries.append(
        source_entry(
            f"{cluster.slug}_bank_monthly_rate",
            "statistic",
            f"{cluster.city} Commercial Bank",
            "Yuan per US dollar, monthly average",
            "2025-08",
            "B+",
            "en",
            "exchange_rates",
            "fred_csv",
            "monthly",
            [rate_file],
            series={"entity": "China", "metric": "exchange_rate", "unit": "CNY/USD"},
        )  # fmt: skip
    )
    production_file = f"statistics/production/{cluster.slug}_metal_production.csv"
    code = f"CN-{cluster.slug[:4].upper()}"
    lines = ["Entity,Code,Year,Aluminium,Alumina"]
    aluminium = sum(firm.capacity_tonnes for firm in cluster.firms) / 1e3 / 4
    for year in YEARS:
        aluminium *= rng.uniform(0.97, 1.12)
        alumina = aluminium * rng.uniform(1.7, 2.1)
        lines.append(f"{cluster.city},{code},{year},{aluminium:.0f},{alumina:.0f}")
    out.write(production_file, "\n".join(lines) + "\n", rows=len(lines) - 1)
    entries.append(
        source_entry(
            f"{cluster.slug}_metal_production",
            "statistic",
            f"{cluster.city} Statistical Yearbook",
            f"{cluster.city} aluminium and alumina production",
            "2025",
            "A-",
            "zh",
            "production_series",
            "owid_csv",
            "annual",
            [production_file],
            series={"unit": "kt"},
        )  # fmt: skip
    )
    return entries


def article_files(cluster: Cluster, rng: random.Random, count: int, out: Output) -> list[str]:
    """`count` articles over four sources (one per style), two of them with curated claims."""
    entries = []
    publishers = {
        "wire": ("China Metals Newswire", "B+", "en"),
        "trade": (f"{cluster.city} Daily, English edition", "B", "en"),
        "results": (f"{cluster.city} Securities Times", "B", "zh"),
        "bulletin": (f"{cluster.city} Bureau of Statistics", "A-", "zh"),
    }
    counts = {style: round(count * share) for style, share in STYLE_SHARES.items()}
    counts["wire"] += count - sum(counts.values())
    for style, style_count in counts.items():
        if style_count <= 0:
            continue
        publisher, trust, language = publishers[style]
        source_id = f"{cluster.slug}_{style}_articles"
        texts, claims = [], [CLAIMS_HEADER]
        latest = "2005"
        for number in range(1, style_count + 1):
            firm = cluster.firms[rng.randrange(len(cluster.firms))]
            year = rng.choice(YEARS)
            article = scale_articles.WRITERS[style](rng, cluster, firm, year)
            relative = f"articles/{cluster.slug}/{style}/{source_id}_{number:04d}.md"
            url = f"https://{source_id.replace('_', '-')}.example.invalid/{number:04d}"
            out.write(relative, scale_articles.render(article, publisher, url, source_id))
            out.articles += 1
            texts.append(relative)
            latest = max(latest, article.published)
            for fact in article.facts:
                claims.append(
                    ",".join(
                        [
                            f"{source_id}__{len(claims):05d}",
                            _csv_field(fact.subject),
                            fact.product,
                            "",
                            fact.metric,
                            fact.period,
                            fact.value,
                            fact.unit,
                            fact.bound,
                            source_id,
                            _csv_field(f"{Path(relative).name}: {fact.note}"),
                        ]
                    )  # fmt: skip
                )
        files = []
        if style in ("wire", "trade") and len(claims) > 1:
            claims_file = f"claims/{source_id}.csv"
            out.write(claims_file, "\n".join(claims) + "\n", rows=len(claims) - 1)
            files.append(claims_file)
        entries.append(
            source_entry(
                source_id,
                "article",
                publisher,
                f"{publisher}: aluminium coverage of {cluster.city}",
                latest,
                trust,
                language,
                "article_claims",
                "claims_csv",
                "irregular",
                files,
                text=texts,
            )  # fmt: skip
        )
    return entries


def generate(scale: float, seed: int, out_dir: Path) -> dict:
    started = time.monotonic()
    if scale <= 0:
        raise ValueError("--scale must be positive")
    clusters_count = max(1, round(scale))
    firms = FIRMS_PER_CLUSTER if scale >= 1 else max(2, round(FIRMS_PER_CLUSTER * scale))
    articles_per_cluster = round(ARTICLES_PER_CLUSTER * min(scale, 1))
    _prepare(out_dir)
    out = Output(out_dir)
    shutil.copytree(SHIPPED_RAW, out_dir, dirs_exist_ok=True)
    shipped = [path for path in SHIPPED_RAW.rglob("*") if path.is_file()]
    out.files += len(shipped)
    out.bytes += sum(path.stat().st_size for path in shipped)

    clusters = make_clusters(random.Random(f"{seed}:names"), clusters_count, firms)
    entries: list[str] = []
    bad_rows: list[list[str]] = []
    statistic_rows = 0
    for cluster in clusters:
        rng = random.Random(f"{seed}:{cluster.slug}")
        before = out.rows
        files = panel_files(cluster, rng, out, bad_rows)
        entries.append(
            source_entry(
                f"{cluster.slug}_statistics_bureau_firm_survey",
                "statistic",
                f"{cluster.city} Bureau of Statistics",
                f"Monthly survey of above-scale aluminium firms in {cluster.city}",
                "2025-01",
                "A",
                "zh",
                "point_statistics",
                "claims_csv",
                "monthly",
                files,
            )  # fmt: skip
        )
        entries.append(
            source_entry(
                f"{cluster.slug}_aluminium_association_bulletin",
                "statistic",
                f"{cluster.city} Aluminium Industry Association",
                f"Member bulletin: monthly output and sales of {cluster.city} firms",
                "2025-01",
                "B-",
                "zh",
                "point_statistics",
                "claims_csv",
                "monthly",
                files,
            )  # fmt: skip
        )
        entries.extend(series_files(cluster, rng, out))
        statistic_rows += out.rows - before
        entries.extend(article_files(cluster, rng, articles_per_cluster, out))

    registry = (SHIPPED_RAW / "sources.yml").read_text(encoding="utf-8").rstrip("\n")
    registry += (
        "\n\n  # ── Generated by benchmarks/generate.py"
        f" --scale {scale:g} --seed {seed}: invented clusters, random figures ──\n"
    )
    out.write("sources.yml", registry + "\n".join(entries))
    out.files -= 1  # sources.yml was counted with the shipped files already
    entities, aliases = seed_rows(clusters)
    generated = out_dir / GENERATED
    entity_columns = ["entity_id", "entity_name", "entity_type", "parent_entity_id", "note"]
    _write_csv(generated / "entities.csv", entity_columns, entities)
    _write_csv(generated / "entity_aliases.csv", ["alias", "entity_id"], aliases)
    _write_csv(generated / "bad_rows.csv", ["file", "line", "column", "problem"], bad_rows)
    summary = {
        "scale": scale,
        "seed": seed,
        "clusters": len(clusters),
        "firms": sum(len(cluster.firms) for cluster in clusters),
        "files": out.files,
        "rows": out.rows,
        "statistic_rows": statistic_rows,
        "bad_rows": len(bad_rows),
        "articles": out.articles,
        "bytes": out.bytes,
        "seconds": round(time.monotonic() - started, 2),
    }
    (out_dir / GENERATED / "summary.json").write_text(
        json.dumps({key: value for key, value in summary.items() if key != "seconds"}, indent=1)
    )
    return summary


def _prepare(out_dir: Path) -> None:
    """An empty output folder; an earlier generated one is replaced, anything else refused."""
    if out_dir.exists() and any(out_dir.iterdir()):
        if not (out_dir / GENERATED / "summary.json").exists():
            raise SystemExit(f"{out_dir} is not empty and was not written by generate.py")
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, required=True, help="1 = one cluster; 0.05 = tiny")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True, help="the raw directory to write")
    arguments = parser.parse_args(argv)
    summary = generate(arguments.scale, arguments.seed, arguments.out)
    print(
        f"scale {summary['scale']:g}: {summary['clusters']} clusters, {summary['firms']:,} firms,"
        f" {summary['files']:,} files, {summary['rows']:,} rows"
        f" ({summary['statistic_rows']:,} statistical, {summary['bad_rows']:,} meant to be"
        f" rejected), {summary['articles']:,} articles, {summary['bytes'] / 1e6:,.1f} MB"
        f" in {summary['seconds']:.1f} s -> {arguments.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
