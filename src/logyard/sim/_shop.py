"""What the 3D-print shop sells and how people reach it: goods, pages, referrers, addresses."""

from __future__ import annotations

import random

__all__ = [
    "COLORS",
    "MATERIALS",
    "PRODUCTS",
    "SITE",
    "Product",
    "client_ips",
    "landing_urls",
    "page_urls",
    "referrers",
    "route_for",
]

SITE = "https://shop.print3d.example"

# (product kind, sku, Russian title, base price in RUB)
Product = tuple[str, str, str, int]
PRODUCTS: tuple[Product, ...] = (
    ("figurine", "FIG-DRAGON-S", "Фигурка дракона", 1490),
    ("figurine", "FIG-CAT-M", "Фигурка кота", 990),
    ("figurine", "FIG-CUSTOM", "Фигурка по фото", 4900),
    ("miniature", "MIN-KNIGHT-28", "Миниатюра рыцаря 28 мм", 450),
    ("miniature", "MIN-ORC-SET", "Набор миниатюр орков", 2400),
    ("vase", "VASE-SPIRAL-L", "Ваза спиральная", 1790),
    ("planter", "PLNT-GEO-M", "Кашпо геометрическое", 890),
    ("lamp", "LAMP-MOON-15", "Ночник «Луна»", 2990),
    ("phone-stand", "STND-PHONE", "Подставка для телефона", 390),
    ("keychain", "KEY-NAME", "Брелок с именем", 250),
    ("cosplay-helmet", "CSP-HELM-01", "Шлем для косплея", 8900),
    ("spare-part", "PRT-GEAR-20", "Шестерня 20 зубьев", 320),
    ("spare-part", "PRT-BRACKET", "Кронштейн по чертежу", 1200),
    ("board-game", "BG-INSERT", "Органайзер для настольной игры", 1590),
)
# (material, price factor)
MATERIALS: tuple[tuple[str, float], ...] = (
    ("PLA", 1.0),
    ("PLA", 1.0),
    ("PETG", 1.2),
    ("resin", 1.8),
    ("ABS", 1.1),
    ("TPU", 1.3),
)
COLORS = (
    "white", "black", "red", "blue", "green", "yellow", "orange", "grey", "transparent",
    "gold", "silver", "purple",
)  # fmt: skip

_QUERIES = (
    "3д+печать+на+заказ", "фигурка+дракона", "печать+миниатюр", "3d+печать+москва",
    "напечатать+деталь", "ночник+луна+купить", "шлем+косплей", "3d+printing+custom",
)  # fmt: skip


def page_urls(rng: random.Random) -> list[str]:
    """Pages a visitor browses, with the catalogue and product pages most visited."""
    urls = [f"{SITE}/", f"{SITE}/catalog", f"{SITE}/cart", f"{SITE}/checkout"]
    urls += [f"{SITE}/delivery", f"{SITE}/about", f"{SITE}/account/orders"]
    kinds = sorted({p[0] for p in PRODUCTS})
    urls += [f"{SITE}/catalog/{k}" for k in kinds]
    urls += [f"{SITE}/catalog/{k}?color={c}" for k in kinds for c in COLORS[:4]]
    for _kind, sku, _title, _price in PRODUCTS:
        urls += [f"{SITE}/product/{sku.lower()}"] * 4
    urls += [f"{SITE}/search?q={q}" for q in _QUERIES]
    rng.shuffle(urls)
    return urls


def route_for(url: str) -> str:
    """The shop-api route the page calls to render (``/product/x`` → ``/api/products/{sku}``)."""
    path = url.removeprefix(SITE)
    if path.startswith("/product/"):
        return "/api/products/{sku}"
    if path.startswith("/catalog"):
        return "/api/products"
    if path.startswith("/search"):
        return "/api/search"
    if path.startswith(("/cart", "/checkout")):
        return "/api/cart"
    if path.startswith("/account"):
        return "/api/orders"
    return "/api/content/{slug}"


def landing_urls(rng: random.Random) -> list[str]:
    """Where visits start: the home page, product pages, ad campaign links."""
    urls = [f"{SITE}/"] * 6 + [f"{SITE}/catalog"] * 2
    urls += [f"{SITE}/product/{p[1].lower()}" for p in PRODUCTS]
    urls += [
        f"{SITE}/?utm_source=yandex&utm_medium=cpc&utm_campaign=figurines",
        f"{SITE}/catalog/miniature?utm_source=vk&utm_medium=social",
        f"{SITE}/?utm_source=telegram&utm_medium=post&utm_campaign=black-friday",
    ]
    rng.shuffle(urls)
    return urls


def referrers() -> list[str | None]:
    """Referrers, search engines first; ``None`` is a direct visit."""
    return [
        *[f"https://yandex.ru/search/?text={q}" for q in _QUERIES],
        *[f"https://yandex.ru/search/?text={q}" for q in _QUERIES[:4]],
        "https://www.google.com/",
        "https://www.google.com/",
        "https://www.google.ru/",
        "https://duckduckgo.com/",
        "https://vk.com/",
        "https://t.me/",
        "https://dzen.ru/",
        "https://market.yandex.ru/",
        None,
        None,
        None,
        None,
        None,
    ]


_FIRST_OCTETS = (5, 31, 37, 46, 77, 78, 79, 85, 87, 89, 91, 93, 95, 109, 176, 178, 185, 188, 213)


def client_ips(rng: random.Random, count: int) -> list[str]:
    """Public client addresses: mostly IPv4 of Russian ISPs, some IPv6."""
    ips = []
    for _ in range(count):
        if rng.random() < 0.06:
            ips.append(f"2a00:1fa0:{rng.getrandbits(16):x}:{rng.getrandbits(16):x}::1")
        else:
            first = _FIRST_OCTETS[int(rng.random() * len(_FIRST_OCTETS))]
            ips.append(f"{first}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}")
    return ips
