"""{% segment_precision_badge %}: n, ± margin of error, and a "too few answers" mark."""

import pytest
from django.template import Context, Template
from django.utils import translation

from surveys.core.precision import segment_precision
from surveys.core.sample_size import SampleSizeInputError


def render(source: str, **context) -> str:
    with translation.override("en"):
        return Template("{% load precision %}" + source).render(Context(context))


def test_a_segment_with_enough_answers_shows_its_n_and_margin_without_a_mark():
    html = render("{% segment_precision_badge 400 %}")
    assert "n = 400" in html and "±4.9%" in html  # 1.96·√(.25/400) = 0.049
    assert "too few answers" not in html and "precision-low" not in html


def test_a_segment_with_too_few_answers_is_marked_with_the_reason_for_screen_readers():
    (row,) = segment_precision({"Huế": 12})
    html = render("{% segment_precision_badge row %}", row=row)
    assert "precision-low" in html and "too few answers" in html
    reason = "Only 12 answers: at least 30 are needed before a percentage for this segment can be trusted."
    assert f'title="12 answers; margin of error ±28.3% at 95% confidence. {reason}"' in html
    assert (
        f'<span class="visually-hidden"> 12 answers; margin of error ±28.3% at 95% confidence. {reason}</span>' in html
    )


def test_options_of_the_count_form_reach_the_calculation():
    assert "too few answers" in render("{% segment_precision_badge 400 maximum_margin_of_error=0.03 %}")
    assert "too few answers" in render("{% segment_precision_badge 40 minimum_count=50 %}")
    # Finite-population correction √((200 − 100)/199) narrows ±9.8 % to ±6.9 %.
    assert "±6.9%" in render("{% segment_precision_badge 100 population_size=200 %}")


def test_an_empty_segment_has_no_margin():
    html = render("{% segment_precision_badge 0 %}")
    assert "±—" in html and "too few answers" in html and "no margin of error yet" in html


def test_the_reason_filter_renders_the_reason_in_the_active_language():
    too_small, enough = segment_precision({"a": 5, "b": 100})
    assert render("{{ row|precision_reason }}", row=enough) == ""
    assert render("{{ row|precision_reason }}", row=too_small).startswith("Only 5 answers")


@pytest.mark.parametrize(
    "bad", ["{% segment_precision_badge -1 %}", "{% segment_precision_badge 10 confidence_level=2 %}"]
)
def test_bad_parameters_raise_the_cores_error(bad):
    with pytest.raises(SampleSizeInputError):
        render(bad)
