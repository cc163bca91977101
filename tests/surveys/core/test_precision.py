"""segment_precision: each segment's margin of error, and the segments with too few answers."""

import math

import pytest

from surveys.core.precision import segment_precision
from surveys.core.sample_size import SampleSizeInputError


def test_each_segment_gets_cochrans_margin_of_error_in_the_given_order():
    rows = segment_precision({"Hà Nội": 400, "TP.HCM": 100})
    assert [row.segment for row in rows] == ["Hà Nội", "TP.HCM"]
    # Cochran (1977) ch. 3: e = z·√(p(1−p)/n); 1.96·√(.25/400) = 0.049, 1.96·√(.25/100) = 0.098.
    assert rows[0].margin_of_error == pytest.approx(1.959964 * math.sqrt(0.25 / 400))
    assert rows[1].margin_of_error == pytest.approx(0.098, abs=1e-3)
    assert not any(row.is_too_small for row in rows)
    assert all(row.reason is None for row in rows)


def test_a_segment_below_the_minimum_is_too_small_and_says_why():
    (row,) = segment_precision({"Đà Nẵng": 12})
    assert row.is_too_small and row.minimum_count == 30
    assert row.margin_of_error == pytest.approx(1.959964 * math.sqrt(0.25 / 12))
    assert row.reason.render() == (
        "Only 12 answers: at least 30 are needed before a percentage for this segment can be trusted."
    )


def test_the_minimum_is_a_parameter_and_the_boundary_counts_as_enough():
    rows = segment_precision({"a": 49, "b": 50}, minimum_count=50)
    assert [row.is_too_small for row in rows] == [True, False]


def test_an_empty_segment_has_no_margin():
    (row,) = segment_precision({"Huế": 0})
    assert (row.margin_of_error, row.is_too_small) == (None, True)
    assert "No answers yet" in row.reason.render()


def test_a_margin_wider_than_the_target_marks_the_segment():
    (row,) = segment_precision({"a": 100}, maximum_margin_of_error=0.05)
    assert row.is_too_small
    assert row.reason.render() == "The margin of error ±9.8% is wider than the target ±5.0%."


def test_the_population_of_a_segment_narrows_its_margin():
    (corrected,) = segment_precision({"a": 100}, population_sizes={"a": 200})
    # Finite-population correction √((N − n)/(N − 1)) = √(100/199).
    assert corrected.margin_of_error == pytest.approx(1.959964 * math.sqrt(0.25 / 100) * math.sqrt(100 / 199))


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"counts": {"a": -1}}, "counts"),
        ({"counts": {"a": 10}, "confidence_level": 1.0}, "confidence_level"),
        ({"counts": {"a": 10}, "minimum_count": 0}, "minimum_count"),
        ({"counts": {}, "proportion": 0}, "proportion"),
    ],
)
def test_bad_parameters_name_themselves(kwargs, parameter):
    counts = kwargs.pop("counts")
    with pytest.raises(SampleSizeInputError) as refused:
        segment_precision(counts, **kwargs)
    assert refused.value.parameter == parameter
