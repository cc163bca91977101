"""Read numeric answer bands the way Vietnamese and English questionnaires write them.

"3 triệu", "3tr", "3tr5", "3.000.000", "3-5tr", "3–5 triệu", "dưới 5 triệu", "trên 20 triệu",
"từ 20 triệu trở lên", "5 - dưới 10 triệu", "16-22", "18–24 tuổi", "55+", "under $50k",
"$50,000–$74,999", "65 or older" all become a ``Band``: a lower and upper bound in base units
(đồng, dollars, years, times), whether each bound is included, and what kind of quantity it is.
"""

import math
import re
from dataclasses import dataclass
from enum import StrEnum

from surveys.core.linter.text import fold


class Quantity(StrEnum):
    MONEY = "money"
    AGE = "age"
    DURATION = "duration"
    COUNT = "count"
    PERCENT = "percent"


@dataclass(frozen=True, slots=True)
class Band:
    """A numeric answer option: ``low``..``high`` in base units; infinite when open-ended."""

    low: float
    high: float
    low_inclusive: bool
    high_inclusive: bool
    quantity: Quantity
    is_range: bool
    # The smallest difference the labels express (one year in "1-2 năm"): values that close count as adjacent.
    step: float = 1.0

    @property
    def is_open_above(self) -> bool:
        return math.isinf(self.high)


# Multipliers by folded word; "cu" is the colloquial "củ" (a million đồng).
_MULTIPLIERS = {
    "k": 1e3,
    "nghin": 1e3,
    "ngan": 1e3,
    "thousand": 1e3,
    "tr": 1e6,
    "trieu": 1e6,
    "cu": 1e6,
    "m": 1e6,
    "mn": 1e6,
    "mil": 1e6,
    "million": 1e6,
    "millions": 1e6,
    "ty": 1e9,
    "ti": 1e9,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
}
_CURRENCY_WORDS = ("vnd", "dong", "d", "usd", "$", "dollars", "dollar")
_DURATION_WORDS = (
    "nam",
    "thang",
    "tuan",
    "ngay",
    "gio",
    "phut",
    "year",
    "years",
    "month",
    "months",
    "week",
    "weeks",
    "day",
    "days",
    "hour",
    "hours",
    "minute",
    "minutes",
    "hrs",
    "mins",
)
# Durations are compared in days so "6 months" and "1 year" line up.
_DURATION_DAYS = {
    "nam": 365.0,
    "year": 365.0,
    "years": 365.0,
    "yr": 365.0,
    "yrs": 365.0,
    "thang": 30.0,
    "month": 30.0,
    "months": 30.0,
    "tuan": 7.0,
    "week": 7.0,
    "weeks": 7.0,
    "ngay": 1.0,
    "day": 1.0,
    "days": 1.0,
    "gio": 1 / 24,
    "hour": 1 / 24,
    "hours": 1 / 24,
    "hrs": 1 / 24,
    "phut": 1 / 1440,
    "minute": 1 / 1440,
    "minutes": 1 / 1440,
    "mins": 1 / 1440,
}
_UNIT_AFTER = re.compile(r"\s*(?P<unit>[a-z]+)")
_COUNT_WORDS = ("lan", "times", "time", "nguoi", "people", "persons", "con", "children", "cai", "items", "chiec")

# A written number: 3.000.000 / 3,000,000 (thousands), 3,5 / 3.5 (decimal), 3tr5 (3.5 million).
_NUMBER = r"\d+(?:[.,\s]\d{3})+(?!\d)|\d+(?:[.,]\d+)?"
_MULT = r"k|nghin|ngan|thousand|trieu|tr|cu|mn|mil|millions|million|m|ty|ti|bn|billion|b"
_AMOUNT = re.compile(
    rf"(?P<cur>\$|usd\s*)?(?P<num>{_NUMBER})\s*(?:(?P<mult>{_MULT})(?P<tail>\d)?(?![a-z]))?",
)
_BELOW = re.compile(
    r"^(?:duoi|it hon|nho hon|thap hon|under|less than|below|fewer than|up to|khong qua|toi da|<=?|≤)\s*"
)
_BELOW_INCLUSIVE = re.compile(r"^(?:up to|khong qua|toi da|<=|≤)")
_ABOVE = re.compile(r"^(?:tren|hon|nhieu hon|lon hon|cao hon|over|more than|above|greater than|older than|>=?|≥)\s*")
_AT_LEAST = re.compile(r"^(?:tu|at least|toi thieu|it nhat|>=|≥)\s*")
_ABOVE_TAIL = re.compile(
    r"(?:\+|\s(?:tro len|or more|or older|or over|or above|and over|and above|and older|or higher|and up|hoac hon"
    r"|hoac nhieu hon|tro len tuoi))(?:\s*[a-z/]+){0,3}\s*$"
)
_BELOW_TAIL = re.compile(
    r"\s(?:tro xuong|or less|or fewer|or under|or younger|and under|or below)(?:\s*[a-z/]+){0,3}\s*$"
)
_RANGE_SEPARATOR = re.compile(
    r"^\s*(?:[a-z]+\s*)?(?:-|–|—|~|den|toi|to|through|thru|and)\s*(?P<below>duoi|under|less than|<)?\s*"
)
_LEAD = re.compile(r"^(?:tu|from|between|khoang|about|approximately|around|trong khoang)\s+")


@dataclass(frozen=True, slots=True)
class _Amount:
    value: float
    has_multiplier: bool
    has_currency: bool
    end: int


def _parse_number(raw: str, *, followed_by_multiplier: bool) -> float:
    compact = raw.replace(" ", "")
    if re.fullmatch(r"\d+(?:[.,]\d{3})+", compact) and not (followed_by_multiplier and compact.count(",") == 1):
        # Dots and commas both group thousands in the written forms respondents meet (3.000.000, 3,000,000).
        return float(re.sub(r"[.,]", "", compact))
    return float(compact.replace(",", "."))


def _read_amount(text: str, position: int) -> _Amount | None:
    match = _AMOUNT.match(text, position)
    if match is None:
        return None
    mult = match.group("mult")
    value = _parse_number(match.group("num"), followed_by_multiplier=bool(mult))
    if mult:
        value *= _MULTIPLIERS[mult]
        if match.group("tail"):
            value += int(match.group("tail")) * _MULTIPLIERS[mult] / 10
    return _Amount(value, bool(mult), bool(match.group("cur")), match.end())


def _quantity_of(text: str, *, context: str) -> Quantity:
    words = set(re.findall(r"[a-z$%]+|\$|%", text))
    if "%" in text or "phan tram" in text or "percent" in words:
        return Quantity.PERCENT
    if "$" in text or words & {"vnd", "dong", "usd", "d", "dollars", "k", "tr", "trieu", "cu", "million", "ty"}:
        return Quantity.MONEY
    if "tuoi" in words or "older" in words or "old" in words or "younger" in words:
        return Quantity.AGE
    if words & set(_COUNT_WORDS):
        return Quantity.COUNT
    if words & set(_DURATION_WORDS):
        return Quantity.DURATION
    if re.search(r"\b(?:tuoi|age|ages|aged|old|nam sinh)\b", context):
        return Quantity.AGE
    if re.search(r"\b(?:thu nhap|luong|income|salary|earn|chi tieu|spend|budget|ngan sach|gia|price|cost)\b", context):
        return Quantity.MONEY
    return Quantity.COUNT


def _unit_days(text: str, position: int) -> float | None:
    match = _UNIT_AFTER.match(text, position)
    if match is not None and match.group("unit") in _DURATION_DAYS:
        return _DURATION_DAYS[match.group("unit")]
    return None


def _last_unit_days(text: str) -> float:
    units = [_DURATION_DAYS[word] for word in re.findall(r"[a-z]+", text) if word in _DURATION_DAYS]
    return units[-1] if units else 1.0


def parse_band(label: str, *, context: str = "") -> Band | None:
    """Return the numeric band an option label states, or None when it states none.

    ``context`` is the question text; it tells ages from amounts when the label carries no unit.
    Durations come back in days, money in đồng or dollars, ages in years.
    """
    text = fold(label).strip().rstrip(".;:")
    text = re.sub(r"\s+", " ", text)
    if not re.search(r"\d", text):
        return None
    quantity = _quantity_of(text, context=fold(context))
    fallback_days = _last_unit_days(text)
    band = _read_band(text, quantity, fallback_days)
    if band is None or quantity != Quantity.DURATION:
        return band
    units = [_DURATION_DAYS[word] for word in re.findall(r"[a-z]+", text) if word in _DURATION_DAYS]
    step = min(units) if units else 1.0
    return Band(band.low, band.high, band.low_inclusive, band.high_inclusive, quantity, band.is_range, step)


def _read_band(text: str, quantity: Quantity, fallback_days: float) -> Band | None:

    def scaled(amount: _Amount) -> float:
        if quantity != Quantity.DURATION:
            return amount.value
        return amount.value * (_unit_days(text, amount.end) or fallback_days)

    below = _BELOW.match(text)
    if below:
        amount = _read_amount(text, below.end())
        if amount is None:
            return None
        return Band(0.0, scaled(amount), True, bool(_BELOW_INCLUSIVE.match(text)), quantity, True)
    above = _ABOVE.match(text)
    if above and not _RANGE_AFTER.search(text):
        amount = _read_amount(text, above.end())
        if amount is None:
            return None
        return Band(scaled(amount), math.inf, False, False, quantity, True)
    lead = _LEAD.match(text) or _AT_LEAST.match(text)
    first = _read_amount(text, lead.end() if lead else 0)
    if first is None:
        return None
    rest = text[first.end :]
    separator = _RANGE_SEPARATOR.match(rest)
    if separator:
        second = _read_amount(rest, separator.end())
        if second is not None:
            low = scaled(first) if quantity == Quantity.DURATION else first.value
            high = scaled(_Amount(second.value, second.has_multiplier, second.has_currency, first.end + second.end))
            if second.has_multiplier and not first.has_multiplier:
                # "3-5tr", "3 – 5 triệu": the unit written once applies to both ends, unless the first
                # amount is already written out in full ("500.000đ – dưới 1 triệu").
                shared = low * second.value / _strip_multiplier(rest[separator.end() : second.end])
                low = shared if shared <= high else low
            if low > high:
                return None
            return Band(low, high, True, separator.group("below") is None, quantity, True)
    if _ABOVE_TAIL.search(text) or (lead and _AT_LEAST.match(text) and not text.startswith("tu ")):
        return Band(scaled(first), math.inf, True, False, quantity, True)
    if _BELOW_TAIL.search(text):
        return Band(0.0, scaled(first), True, True, quantity, True)
    if re.fullmatch(r"[\d.,\s]+", rest.strip()) is None and not _unit_only(rest):
        return None
    value = scaled(first)
    return Band(value, value, True, True, quantity, False)


_RANGE_AFTER = re.compile(r"\d\s*(?:-|–|—|~|den|toi|to)\s*\d")


def _strip_multiplier(written: str) -> float:
    match = _AMOUNT.search(written)
    if match is None:
        return 1.0
    return _parse_number(match.group("num"), followed_by_multiplier=True) or 1.0


def _unit_only(rest: str) -> bool:
    words = re.findall(r"[a-z$%]+", rest)
    units = set(_CURRENCY_WORDS) | set(_DURATION_WORDS) | set(_COUNT_WORDS) | {"tuoi", "old", "years", "%"}
    return all(word in units or word in ("mot", "per", "a", "moi", "tuan", "thang") for word in words)
