"""Invented clusters and firms for the scale generator: names, aliases and seed rows.

Every name here is made up from pinyin syllables and trade words; a generated name may happen to
match a real place or company, but the figures attached to it are random and mean nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

# (pinyin, hanzi) syllables that make plausible two-syllable Chinese place names.
SYLLABLES = [
    ("lin", "临"), ("he", "河"), ("qing", "清"), ("yuan", "源"), ("an", "安"), ("ping", "平"),
    ("shan", "山"), ("xi", "西"), ("dong", "东"), ("feng", "丰"), ("chang", "昌"), ("ning", "宁"),
    ("jiang", "江"), ("hu", "湖"), ("yang", "阳"), ("tai", "泰"), ("kai", "开"), ("long", "龙"),
    ("bai", "白"), ("shi", "石"), ("jin", "金"), ("hua", "华"), ("gao", "高"), ("mei", "梅"),
]  # fmt: skip
# Provinces an aluminium cluster could sit in; Shandong and Yunnan are already in the seeds.
PROVINCES = [
    ("shandong", "Shandong", "山东"), ("henan", "Henan", "河南"), ("xinjiang", "Xinjiang", "新疆"),
    ("inner_mongolia", "Inner Mongolia", "内蒙古"), ("yunnan", "Yunnan", "云南"),
    ("guangxi", "Guangxi", "广西"), ("shanxi", "Shanxi", "山西"), ("guizhou", "Guizhou", "贵州"),
    ("qinghai", "Qinghai", "青海"), ("gansu", "Gansu", "甘肃"),
]  # fmt: skip
SEEDED_PLACES = {"shandong", "yunnan", "binzhou"}
# Brand words of firm names (pinyin, hanzi).
BRANDS = [
    ("Hengfeng", "恒丰"), ("Xinyuan", "鑫源"), ("Jinhui", "金辉"), ("Ruitai", "瑞泰"),
    ("Hongda", "宏达"), ("Taisheng", "泰盛"), ("Yongxing", "永兴"), ("Huaxin", "华鑫"),
    ("Lianchuang", "联创"), ("Zhongtian", "中天"), ("Boyuan", "博源"), ("Kaixuan", "凯旋"),
    ("Mingda", "明达"), ("Shengli", "胜利"), ("Tianyi", "天怡"), ("Xinhai", "新海"),
    ("Dongrun", "东润"), ("Fuxing", "富兴"), ("Guangyu", "广宇"), ("Haoran", "浩然"),
    ("Jiahe", "嘉禾"), ("Longsheng", "隆盛"), ("Qiaoyuan", "桥源"), ("Wanfeng", "万丰"),
    ("Yida", "亿达"),
]  # fmt: skip
# Trades: English word, Chinese word, product (a chain-stage alias), price in CNY/t, capacity t/yr.
TRADES = [
    ("Alumina", "氧化铝", "alumina", 2_900, 1_200_000),
    ("Aluminium", "铝业", "electrolytic aluminium", 18_000, 400_000),
    ("Aluminium Foil", "铝箔", "foil", 26_000, 60_000),
    ("Alloy Wheel", "铝轮毂", "alloy wheels", 32_000, 40_000),
    ("Aluminium Profiles", "铝型材", "aluminium profiles", 23_000, 80_000),
    ("Cable", "电缆", "aluminium cable", 21_000, 50_000),
    ("Rod and Billet", "铝棒", "aluminium billet", 19_500, 150_000),
    ("Formwork", "铝模板", "aluminium formwork", 30_000, 20_000),
    ("Pistons", "活塞", "aluminium pistons", 45_000, 8_000),
    ("New Materials", "新材料", "new materials", 38_000, 15_000),
]
KINDS = [("Company", "有限公司"), ("Group", "集团"), ("Technology", "科技有限公司")]


@dataclass
class Firm:
    entity_id: str
    name: str  # the entity name in the seeds
    aliases: list[str]  # other names the sources use (1-3 of them, none shared with another firm)
    chinese_name: str
    short_name: str  # how wire copy names it ("Hengfeng Foil")
    product: str
    price_cny_per_tonne: float
    capacity_tonnes: float


@dataclass
class Cluster:
    slug: str
    city: str
    city_chinese: str
    province_id: str
    province: str
    province_chinese: str
    firms: list[Firm] = field(default_factory=list)

    @property
    def cluster_entity_id(self) -> str:
        return f"{self.slug}_aluminium_cluster"

    @property
    def industry_name(self) -> str:
        return f"{self.city} aluminium industry"


def _city_names(rng: random.Random, count: int) -> list[tuple[str, str]]:
    pairs = [
        (first[0] + second[0], first[1] + second[1])
        for first in SYLLABLES
        for second in SYLLABLES
        if first != second and first[0] + second[0] != "binzhou"
    ]
    rng.shuffle(pairs)
    return [(pinyin.capitalize(), hanzi) for pinyin, hanzi in pairs[:count]]


def make_clusters(rng: random.Random, clusters: int, firms_per_cluster: int) -> list[Cluster]:
    """Binzhou first, then invented cities; each with its firms and globally unique aliases."""
    cities = [("Binzhou", "滨州")] + _city_names(rng, clusters - 1)
    used_aliases: set[str] = set()
    result = []
    for index, (city, city_chinese) in enumerate(cities):
        province_id, province, province_chinese = (
            PROVINCES[0] if index == 0 else PROVINCES[rng.randrange(len(PROVINCES))]
        )
        cluster = Cluster(city.lower(), city, city_chinese, province_id, province, province_chinese)
        combinations = [(brand, trade) for brand in BRANDS for trade in TRADES]
        rng.shuffle(combinations)
        for brand, trade in combinations[:firms_per_cluster]:
            kind, kind_chinese = KINDS[rng.randrange(len(KINDS))]
            english_trade, chinese_trade, product, price, capacity = trade
            name = f"{city} {brand[0]} {english_trade} {kind}"
            short_name = f"{brand[0]} {english_trade.split()[-1]}"
            chinese_name = f"{city_chinese}{brand[1]}{chinese_trade}{kind_chinese}"
            candidates = [chinese_name, f"{city} {brand[0]}", short_name]
            chosen = candidates[: rng.randint(1, 3)]
            aliases = [alias for alias in chosen if alias not in used_aliases]
            used_aliases.update(aliases)
            slug = f"{cluster.slug}_{brand[0].lower()}_{english_trade.lower().replace(' ', '_')}"
            cluster.firms.append(
                Firm(
                    entity_id=slug,
                    name=name,
                    aliases=aliases,
                    chinese_name=chinese_name,
                    short_name=short_name if short_name in aliases else name,
                    product=product,
                    price_cny_per_tonne=price * rng.uniform(0.9, 1.1),
                    capacity_tonnes=capacity * rng.lognormvariate(0, 0.5),
                )
            )
        result.append(cluster)
    return result


def seed_rows(clusters: list[Cluster]) -> tuple[list[list[str]], list[list[str]]]:
    """Rows to add to dbt/seeds/entities.csv and entity_aliases.csv for the invented names."""
    entities: list[list[str]] = []
    aliases: list[list[str]] = []
    provinces_added: set[str] = set()
    for cluster in clusters:
        if cluster.province_id not in SEEDED_PLACES and cluster.province_id not in provinces_added:
            provinces_added.add(cluster.province_id)
            entities.append([cluster.province_id, cluster.province, "place", "china", "province"])
            aliases.append([cluster.province_chinese, cluster.province_id])
        if cluster.slug not in SEEDED_PLACES:
            entities.append(
                [cluster.slug, cluster.city, "place", cluster.province_id, "invented city"]
            )
            aliases.append([cluster.city_chinese, cluster.slug])
            entities.append(
                [
                    cluster.cluster_entity_id,
                    f"{cluster.city} aluminium industry cluster",
                    "cluster",
                    cluster.slug,
                    "invented cluster",
                ]
            )
            aliases.append([cluster.industry_name, cluster.cluster_entity_id])
            aliases.append([f"{cluster.city_chinese}铝产业", cluster.cluster_entity_id])
        for firm in cluster.firms:
            entities.append([firm.entity_id, firm.name, "company", "", f"invented {firm.product}"])
            aliases.extend([alias, firm.entity_id] for alias in firm.aliases)
    return entities, aliases
