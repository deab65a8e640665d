"""People of the simulated company: customers with personal data, staff, API users and bots.

Names are Russian, written in Cyrillic (``Иванова Анна Сергеевна``) and in Latin
(``Anna Ivanova``); phones come in the three formats people actually type
(``+7 (916) 123-45-67``, ``8 916 123 45 67``, ``+79161234567``). All of it is what the
masking stage has to find.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["Person", "Staff", "make_person", "make_staff", "phone_formats", "translit"]

_SURNAMES = (
    "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов",
    "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров",
    "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин",
    "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев", "Романов", "Сергеев",
    "Кириллов", "Белов", "Тарасов", "Комаров", "Виноградов", "Богданов", "Медведев", "Ершов",
    "Калинин", "Щербаков", "Жуковский", "Ковалевский", "Никольский", "Горбунов",
)  # fmt: skip
_MALE = (
    "Александр", "Дмитрий", "Максим", "Сергей", "Андрей", "Алексей", "Артём", "Илья",
    "Кирилл", "Михаил", "Никита", "Матвей", "Роман", "Егор", "Арсений", "Иван", "Денис",
    "Евгений", "Даниил", "Тимофей", "Владислав", "Игорь", "Владимир", "Павел", "Руслан",
    "Марк", "Константин", "Тимур", "Олег", "Ярослав",
)  # fmt: skip
_FEMALE = (
    "Анна", "Мария", "Елена", "Дарья", "Алина", "Ирина", "Екатерина", "Арина", "Полина",
    "Ольга", "Юлия", "Татьяна", "Наталья", "Виктория", "Елизавета", "Анастасия", "Ксения",
    "Валерия", "Софья", "Александра", "Вероника", "Марина", "Светлана", "Людмила", "Алёна",
    "Кристина", "Надежда", "Вера", "Любовь", "Варвара",
)  # fmt: skip
_PATRONYMICS = (
    ("Александрович", "Александровна"), ("Дмитриевич", "Дмитриевна"),
    ("Сергеевич", "Сергеевна"), ("Андреевич", "Андреевна"), ("Алексеевич", "Алексеевна"),
    ("Михайлович", "Михайловна"), ("Иванович", "Ивановна"), ("Владимирович", "Владимировна"),
    ("Павлович", "Павловна"), ("Игоревич", "Игоревна"), ("Евгеньевич", "Евгеньевна"),
    ("Олегович", "Олеговна"), ("Николаевич", "Николаевна"), ("Викторович", "Викторовна"),
    ("Юрьевич", "Юрьевна"), ("Петрович", "Петровна"),
)  # fmt: skip
_DOMAINS = (
    "mail.ru", "yandex.ru", "gmail.com", "bk.ru", "inbox.ru", "list.ru", "rambler.ru", "ya.ru",
)  # fmt: skip
_CODES = ("916", "915", "903", "905", "925", "926", "977", "999", "912", "921", "950", "981")
_CITIES = (
    ("101000", "Москва"), ("190000", "Санкт-Петербург"), ("420000", "Казань"),
    ("630000", "Новосибирск"), ("620000", "Екатеринбург"), ("603000", "Нижний Новгород"),
    ("443000", "Самара"), ("344000", "Ростов-на-Дону"), ("450000", "Уфа"),
    ("350000", "Краснодар"), ("614000", "Пермь"), ("394000", "Воронеж"),
)  # fmt: skip
_STREETS = (
    "ул. Ленина", "ул. Тверская", "пр-т Мира", "ул. Гагарина", "ул. Советская",
    "ул. Садовая", "Невский пр-т", "ул. Пушкина", "ул. Лесная", "ул. Молодёжная",
    "ул. Баумана", "ул. Кирова", "Ленинградское ш.", "ул. Профсоюзная",
)  # fmt: skip

_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "ie", "ы": "y", "ь": "", "э": "e", "ю": "iu",
    "я": "ia",
}  # fmt: skip


def translit(text: str) -> str:
    """Latin spelling of a Russian name as a passport writes it (``Фёдорова`` → ``Fedorova``)."""
    out = []
    for ch in text:
        low = ch.lower()
        lat = _TRANSLIT.get(low, ch)
        out.append(lat.capitalize() if ch != low else lat)
    return "".join(out)


def _female(surname: str) -> str:
    return surname[:-2] + "ая" if surname.endswith("ий") else surname + "а"


# Latin forms are computed once: building a person is then concatenation only.
_SUR = tuple((s, translit(s), _female(s), translit(_female(s))) for s in _SURNAMES)
_FIRST_M = tuple((n, translit(n)) for n in _MALE)
_FIRST_F = tuple((n, translit(n)) for n in _FEMALE)


def phone_formats(digits: str) -> tuple[str, str, str]:
    """A Russian mobile (10 digits after the country code) in the three usual spellings."""
    c, a, b, d = digits[:3], digits[3:6], digits[6:8], digits[8:]
    return (f"+7 ({c}) {a}-{b}-{d}", f"8 {c} {a} {b} {d}", f"+7{digits}")


@dataclass(frozen=True, slots=True)
class Person:
    """A customer (or a B2B contact) with the personal data an order carries."""

    user_id: str
    login: str
    name: str
    name_latin: str
    email: str
    phones: tuple[str, str, str]
    address: str


@dataclass(frozen=True, slots=True)
class Staff:
    """The company's people and machines that act in CRM, MES and the MES API."""

    sellers: tuple[str, ...]
    operators: tuple[str, ...]
    shift_leads: tuple[str, ...]
    api_users: tuple[str, ...]
    bots: tuple[str, ...]


def make_person(rng: random.Random, number: int) -> Person:
    """A customer drawn from the name pools; ``number`` makes the user id unique."""
    female = rng.random() < 0.55
    sur, sur_lat, sur_f, sur_f_lat = _SUR[int(rng.random() * len(_SUR))]
    pool = _FIRST_F if female else _FIRST_M
    first, first_lat = pool[int(rng.random() * len(pool))]
    patronymic = _PATRONYMICS[int(rng.random() * len(_PATRONYMICS))][1 if female else 0]
    if female:
        sur, sur_lat = sur_f, sur_f_lat
    style = rng.random()
    if style < 0.5:
        login = f"{first_lat}.{sur_lat}{rng.randrange(70, 100)}".lower()
    elif style < 0.8:
        login = f"{first_lat[0]}{sur_lat}".lower()
    else:
        login = f"{sur_lat}{rng.randrange(1, 1000)}".lower()
    zip_code, city = _CITIES[int(rng.random() * len(_CITIES))]
    street = _STREETS[int(rng.random() * len(_STREETS))]
    address = (
        f"{zip_code[:3]}{rng.randrange(0, 1000):03d}, г. {city}, {street}, "
        f"д. {rng.randrange(1, 160)}, кв. {rng.randrange(1, 400)}"
    )
    digits = _CODES[int(rng.random() * len(_CODES))] + f"{rng.randrange(10_000_000):07d}"
    return Person(
        user_id=f"u-{number:06d}",
        login=login,
        name=f"{sur} {first} {patronymic}",
        name_latin=f"{first_lat} {sur_lat}",
        email=f"{login}@{_DOMAINS[int(rng.random() * len(_DOMAINS))]}",
        phones=phone_formats(digits),
        address=address,
    )


def make_staff(rng: random.Random) -> Staff:
    """Sellers (``smirnova.e``), operators and shift leads (``petrov``), API users, bots."""
    surnames = [s for row in _SUR for s in (row[1].lower(), row[3].lower())]
    rng.shuffle(surnames)
    initials = "abdegiklmnopstvz"
    sellers = tuple(f"{s}.{initials[i % len(initials)]}" for i, s in enumerate(surnames[:12]))
    operators = tuple(surnames[12:32])
    shift_leads = tuple(surnames[32:36])
    api_users = ("erp-sync", "b2b-portal", "planner-svc", "calc-worker", "bot-sync-3")
    bots = tuple(f"bot-{kind}-{rng.randrange(1, 20)}" for kind in ("crawler", "crawler", "seo"))
    return Staff(sellers, operators, shift_leads, api_users, (*bots, "bot-crawler-7"))
