import math

import pytest

from surveys.core.linter.numbers import Quantity, parse_band


@pytest.mark.parametrize(
    ("label", "low", "high"),
    [
        ("3 triệu", 3e6, 3e6),
        ("3tr", 3e6, 3e6),
        ("3tr5", 3.5e6, 3.5e6),
        ("3,5 triệu", 3.5e6, 3.5e6),
        ("3.000.000", 3e6, 3e6),
        ("3-5tr", 3e6, 5e6),
        ("3–5 triệu", 3e6, 5e6),
        ("Từ 5 đến 10 triệu", 5e6, 10e6),
        ("10.000.000 - 15.000.000 VNĐ", 10e6, 15e6),
        ("200k - 500k", 2e5, 5e5),
        ("500 triệu - 1 tỷ", 5e8, 1e9),
        ("$50,000–$74,999", 50000, 74999),
        ("16-22", 16, 22),
        ("18–24 tuổi", 18, 24),
    ],
)
def test_reads_closed_bands_the_way_they_are_written(label, low, high):
    band = parse_band(label)
    assert (band.low, band.high) == pytest.approx((low, high))
    assert band.low_inclusive and band.high_inclusive


@pytest.mark.parametrize(
    ("label", "high", "high_inclusive"),
    [("dưới 5 triệu", 5e6, False), ("under $50k", 5e4, False), ("Less than $25,000", 25000, False)],
)
def test_reads_open_lower_bands_from_zero(label, high, high_inclusive):
    band = parse_band(label)
    assert band.low == 0 and band.high == pytest.approx(high) and band.high_inclusive is high_inclusive


@pytest.mark.parametrize(
    ("label", "low", "low_inclusive"),
    [
        ("trên 20 triệu", 20e6, False),
        ("từ 20 triệu trở lên", 20e6, True),
        ("55+", 55, True),
        ("65 or older", 65, True),
        ("$100,000 or more", 1e5, True),
        ("65 tuổi trở lên", 65, True),
    ],
)
def test_reads_open_upper_bands_to_infinity(label, low, low_inclusive):
    band = parse_band(label)
    assert band.low == pytest.approx(low) and math.isinf(band.high) and band.low_inclusive is low_inclusive


def test_half_open_band_excludes_its_upper_end():
    band = parse_band("5 - dưới 10 triệu")
    assert (band.low, band.high, band.high_inclusive) == (5e6, 10e6, False)


def test_durations_are_compared_in_days_across_units():
    band = parse_band("6 months to less than 1 year")
    assert (band.low, band.high, band.high_inclusive) == (180, 365, False)
    assert band.quantity == Quantity.DURATION


def test_question_text_tells_ages_from_counts():
    assert parse_band("16-22", context="Độ tuổi của bạn?").quantity == Quantity.AGE
    assert parse_band("3-5", context="Thu nhập của bạn (triệu đồng)?").quantity == Quantity.MONEY


@pytest.mark.parametrize("label", ["Gói 1", "1 - Rất không hài lòng", "Rất hài lòng", "iPhone 15", "Khác"])
def test_labels_that_are_not_amounts_are_not_bands(label):
    assert parse_band(label) is None
