"""Article texts for the scale generator, in the four styles DOMAIN.md describes.

Wire copy and trade news in (translated) English, company results and statistics bulletins in
Chinese. The sentences are our own templates; the figures are random, drawn around a firm's or
a cluster's simulated size. Each article returns the figures a curator would take from it, so
the generator can also write curated claims files for some of them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from benchmarks.scale_names import Cluster, Firm

STYLES = ("wire", "trade", "results", "bulletin")
MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip
WIRE_REASONS = [
    "steadier power supply from its captive plants",
    "stronger orders from carmakers",
    "new rolling lines reaching full speed",
    "recovering demand from the packaging sector",
    "higher exports to Southeast Asia",
]
TRADE_OPENINGS = [
    "In recent years, {city} has taken the aluminium industry as the leading industry of the "
    "whole city and pushed the chain to extend downstream.",
    "Walking into the industrial park of {city}, one sees production lines running day and "
    "night, and trucks loaded with aluminium products lining up at the gate.",
    "{city} is working hard to change from selling ingots to selling high-end products, "
    "local officials said at a recent meeting.",
]
BULLETIN_CLOSINGS = [
    "下一步，全市将继续推动铝产业向高端化、绿色化发展。",
    "统计数据由市统计局初步核算，最终数据以年报为准。",
    "全市铝产业链重点项目建设进展顺利。",
]


@dataclass
class Fact:
    """One figure the article states, as a curated claims row would record it."""

    subject: str
    product: str
    metric: str
    period: str
    value: str
    unit: str
    bound: str
    note: str


@dataclass
class Article:
    style: str
    language: str
    title: str
    published: str
    body: str
    facts: list[Fact] = field(default_factory=list)


def _grouped(value: float) -> str:
    return f"{value:,.0f}"


def wire(rng: random.Random, cluster: Cluster, firm: Firm, year: int) -> Article:
    change = rng.uniform(-12, 25)
    production = firm.capacity_tonnes * rng.uniform(0.6, 0.95)
    revenue_billion = production * firm.price_cny_per_tonne / 1e9
    added = round(firm.capacity_tonnes * rng.uniform(0.05, 0.3), -2)
    month = rng.randrange(12)
    verb = "lifts" if change >= 0 else "cuts"
    direction = "rose" if change >= 0 else "fell"
    body = (
        f"{cluster.city.upper()}, {MONTHS[month]} {rng.randint(1, 28)} - {firm.name}, a maker of "
        f"{firm.product} based in {cluster.city} in {cluster.province} province, said its output "
        f"in {year} {direction} {abs(change):.1f}% to {_grouped(production)} tonnes, helped by "
        f"{rng.choice(WIRE_REASONS)}.\n\n"
        f"Revenue for the year came to {revenue_billion:.2f} billion yuan, the company said in a "
        f"statement, without giving a profit figure.\n\n"
        f"{firm.short_name} plans to add {_grouped(added)} tonnes of annual capacity by "
        f"{year + 2}, an executive told reporters on the sidelines of an industry meeting.\n"
    )
    title = f"{firm.short_name} {verb} {year} output {abs(change):.1f}% on {cluster.city} demand"
    facts = [
        Fact(firm.name, firm.product, "production", str(year), f"{production:.0f}", "t",
             "exact", "lead: output of the year"),
        Fact(firm.name, "", "revenue", str(year), f"{revenue_billion:.2f}", "billion yuan",
             "exact", "second paragraph: revenue of the year"),
    ]  # fmt: skip
    return Article("wire", "en", title, f"{year + 1}-{month + 1:02d}", body, facts)


def trade(rng: random.Random, cluster: Cluster, firm: Firm, year: int) -> Article:
    output_value_yi = sum(f.capacity_tonnes * f.price_cny_per_tonne for f in cluster.firms) / 1e8
    output_value_yi *= rng.uniform(0.6, 0.9)
    growth = rng.uniform(2, 15)
    # Capacity changes between articles; the same figure in many articles of one source would
    # also be realistic, but more than candidate_link_rounds ties fail the build (dbt var).
    capacity_wan = firm.capacity_tonnes * rng.uniform(0.8, 1.3) / 1e4
    firms_count = len(cluster.firms) + rng.randint(5, 40)
    opening = rng.choice(TRADE_OPENINGS).format(city=cluster.city)
    body = (
        f"{opening}\n\n"
        f"In {year}, the {cluster.industry_name} realised an output value of more than "
        f"{output_value_yi:.0f} hundred million yuan, an increase of {growth:.1f}% over the "
        f"previous year, and the number of above-scale enterprises reached {firms_count}.\n\n"
        f"Among them, {firm.name} has formed an annual production capacity of {capacity_wan:.1f} "
        f"ten thousand tons of {firm.product}, and its products are sold to more than "
        f"{rng.randint(10, 60)} countries and regions.\n\n"
        f'"We will not sell raw aluminium any more, we sell products," said a manager of the '
        f"company.\n"
    )
    title = f"{cluster.city} aluminium industry: from ingots to high-end products"
    facts = [
        Fact(firm.name, firm.product, "capacity", str(year), f"{capacity_wan:.1f}",
             "ten thousand t/yr", "exact", "third paragraph: the firm's yearly capacity"),
    ]  # fmt: skip
    if cluster.slug != "binzhou":  # Binzhou's own size comes from the real sources only
        facts.append(
            Fact(cluster.industry_name, "", "output_value", str(year), f"{output_value_yi:.0f}",
                 "亿元", "at_least", "second paragraph: output value, given as more than")
        )  # fmt: skip
    return Article("trade", "en", title, f"{year + 1}-{rng.randint(1, 12):02d}", body, facts)


def results(rng: random.Random, cluster: Cluster, firm: Firm, year: int) -> Article:
    production_wan = firm.capacity_tonnes * rng.uniform(0.6, 0.95) / 1e4
    revenue_yi = production_wan * 1e4 * firm.price_cny_per_tonne / 1e8
    profit_yi = revenue_yi * rng.uniform(0.02, 0.12)
    growth = rng.uniform(-8, 20)
    utilisation = rng.uniform(70, 98)
    body = (
        f"{firm.chinese_name}发布{year}年度业绩公告。\n\n"
        f"报告期内，公司实现营业收入{revenue_yi:.2f}亿元，同比增长{growth:.1f}%；"
        f"归属于股东的净利润{profit_yi:.2f}亿元。\n\n"
        f"全年产品产量{production_wan:.2f}万吨，产能利用率约{utilisation:.0f}%。"
        f"公司表示，将继续加大研发投入，提升高附加值产品比重。\n"
    )
    title = f"{firm.chinese_name}{year}年营业收入{revenue_yi:.2f}亿元"
    facts = [
        Fact(firm.chinese_name, "", "revenue", str(year), f"{revenue_yi:.2f}", "亿元",
             "exact", "第二段: 营业收入"),
    ]  # fmt: skip
    return Article("results", "zh", title, f"{year + 1}-{rng.randint(3, 4):02d}", body, facts)


def bulletin(rng: random.Random, cluster: Cluster, firm: Firm, year: int) -> Article:
    month = rng.randint(1, 12)
    total = sum(f.capacity_tonnes * f.price_cny_per_tonne for f in cluster.firms) / 12 / 1e8
    output_value_yi = total * rng.uniform(0.6, 0.9)
    primary_wan = sum(f.capacity_tonnes for f in cluster.firms) / 12 / 1e4 * rng.uniform(0.5, 0.8)
    growth = rng.uniform(-5, 18)
    body = (
        f"{year}年{month}月，{cluster.city_chinese}市规模以上铝工业企业完成产值"
        f"{output_value_yi:.1f}亿元，同比增长{growth:.1f}%。\n\n"
        f"其中，铝产品产量{primary_wan:.1f}万吨；{firm.chinese_name}当月产量"
        f"{firm.capacity_tonnes / 12 / 1e4 * rng.uniform(0.6, 0.95):.2f}万吨。\n\n"
        f"{rng.choice(BULLETIN_CLOSINGS)}\n"
    )
    title = f"{year}年{month}月{cluster.city_chinese}市铝工业运行情况"
    published = f"{year}-{month:02d}" if month < 12 else f"{year + 1}-01"
    return Article("bulletin", "zh", title, published, body, [])


WRITERS = {"wire": wire, "trade": trade, "results": results, "bulletin": bulletin}


def render(article: Article, publisher: str, url: str, source_id: str) -> str:
    """The article file: a front-matter header, then the body."""
    title = article.title.replace('"', "'")
    return (
        "---\n"
        f'title: "{title}"\n'
        f"publisher: {publisher}\n"
        f"published: {article.published}\n"
        f"url: {url}\n"
        f"language: {article.language}\n"
        f"source_id: {source_id}\n"
        "---\n\n"
        f"{article.body}"
    )
