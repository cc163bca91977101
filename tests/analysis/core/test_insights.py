"""Candidate insights: what is found, what is not, and how it is stated."""

import math

import numpy as np
import pytest
from scipy import stats

from analysis.core import crosstabs as ct
from analysis.core import insights as ins
from analysis.core.crosstabs import CodedVariable, Measurement
from surveys.core.questionnaire import Text

AGE = ins.SegmentInfo("age", Text("độ tuổi", "age"), (Text("18–24"), Text("25–34"), Text("35–44"), Text("45+")))
NPS_GROUP = ins.SegmentInfo(
    "nps_group",
    Text("nhóm NPS", "NPS group"),
    (Text("Người ủng hộ", "Promoters"), Text("Trung lập", "Passives"), Text("Người phản đối", "Detractors")),
    is_kpi_grouping=True,
    derived_from="nps",
)
SPEED = ins.QuestionInfo("speed", Text("tốc độ giao hàng", "delivery speed"), scale_max=5)
SCALE = (1.0, 2.0, 3.0, 4.0, 5.0)


def planted_speed_survey():
    """18–24 rate delivery speed 2.8 on average, every other age band 3.6 (50 answers each)."""
    young = [1] * 20 + [2] * 20 + [3] * 10  # codes 0–4 for 1–5: mean 2.8
    older = [2] * 25 + [3] * 20 + [4] * 5  # mean 3.6
    speed = np.array(young + older * 3)
    age = np.repeat(np.arange(4), 50)
    return speed, age


# --------------------------------------------------------------------------- number formats


@pytest.mark.parametrize(
    ("value", "decimals", "vi", "en"),
    [
        (2.8, 1, "2,8", "2.8"),
        (3.6, 1, "3,6", "3.6"),
        (1234.5, 1, "1.234,5", "1,234.5"),
        (-0.25, 2, "−0,25", "−0.25"),
        (5.0, 0, "5", "5"),
    ],
)
def test_numbers_follow_each_languages_format(value, decimals, vi, en):
    assert ins.format_number(value, "vi", decimals) == vi
    assert ins.format_number(value, "en", decimals) == en


def test_percentages():
    assert ins.format_percent(0.425, "vi", 1) == "42,5%"
    assert ins.format_percent(0.42, "en") == "42%"


# --------------------------------------------------------------------------- segment differences


def test_a_planted_segment_difference_is_found_and_stated_in_both_languages():
    speed, age = planted_speed_survey()
    question = CodedVariable("speed", speed, 5, Measurement.ORDINAL, SCALE)
    segment = CodedVariable("age", age, 4)
    family = ct.compute_crosstabs([question], [segment])
    report = ins.generate_insights(family, {"speed": SPEED}, {"age": AGE})
    candidate = next(c for c in report.candidates if c.id == "segment:speed:mean:age:0")
    assert candidate.statement_vi == (
        "Khách có độ tuổi “18–24” chấm “tốc độ giao hàng” thấp hơn các nhóm khác: 2,8 so với 3,6 trên 5."
    )
    assert candidate.statement_en == (
        "Respondents with age “18–24” rate “delivery speed” lower than the other groups: 2.8 vs 3.6 out of 5."
    )
    assert candidate.kind is ins.CandidateKind.SEGMENT_DIFFERENCE
    assert candidate.direction is ins.Direction.LOWER
    assert (candidate.question, candidate.segment_variable, candidate.segment) == ("speed", "age", 0)
    assert candidate.rank == 1
    evidence = candidate.evidence
    young, rest = np.asarray(SCALE)[speed[age == 0]], np.asarray(SCALE)[speed[age != 0]]
    welch = stats.ttest_ind(young, rest, equal_var=False)
    assert (evidence.n_group, evidence.n_rest) == (50, 150)
    assert (evidence.estimate_group, evidence.estimate_rest) == pytest.approx((2.8, 3.6))
    assert evidence.test == "welch_t" and evidence.test_label == "Welch's t-test"
    assert evidence.p_value == pytest.approx(welch.pvalue, rel=1e-10)
    assert (evidence.ci_low, evidence.ci_high) == pytest.approx(tuple(welch.confidence_interval()), rel=1e-9)
    assert evidence.q_value >= evidence.p_value
    assert evidence.family_size == family.comparison_family_size == 4
    assert evidence.effect_size_name == "cohens_d" and evidence.effect_size < -0.2
    assert evidence.is_weighted is False
    assert evidence.mann_whitney_p < 0.05 and evidence.rank_biserial < 0
    assert report.family_sizes["segment comparisons"] == 4


def test_criteria_that_data_can_judge_are_judged_and_the_others_left_to_the_analyst():
    speed, age = planted_speed_survey()
    family = ct.compute_crosstabs(
        [CodedVariable("speed", speed, 5, Measurement.ORDINAL, SCALE)], [CodedVariable("age", age, 4)]
    )
    plain = ins.find_segment_differences(family, {"speed": SPEED}, {"age": AGE})[0]
    assert plain.criteria.validated.value is True
    assert "family of 4 tests" in plain.criteria.validated.reason.render()
    assert plain.criteria.surprising.value is None and plain.criteria.surprising.reason.render()
    assert plain.criteria.clear.value is None
    assert plain.criteria.specific.value is True
    assert plain.criteria.actionable.value is False
    kpi = ins.QuestionInfo("speed", SPEED.label, is_kpi=True, scale_max=5)
    tied = ins.find_segment_differences(family, {"speed": kpi}, {"age": AGE})[0]
    assert tied.criteria.actionable.value is True and tied.kpi == "speed"
    assert tied.score == pytest.approx(2 * plain.score)


def test_choice_shares_are_stated_as_percentages():
    rng = np.random.default_rng(4)
    age = np.repeat(np.arange(4), 100)
    payment = rng.choice(3, 400, p=[0.5, 0.3, 0.2])
    payment[:100] = np.r_[np.full(60, 2), np.full(40, 0)]  # 18–24: 60 % e-wallet
    question = ins.QuestionInfo(
        "payment",
        Text("phương thức thanh toán", "payment method"),
        (Text("Tiền mặt", "Cash"), Text("Thẻ", "Card"), Text("Ví điện tử", "E-wallet")),
    )
    family = ct.compute_crosstabs([CodedVariable("payment", payment, 3)], [CodedVariable("age", age, 4)])
    candidates = ins.find_segment_differences(family, {"payment": question}, {"age": AGE})
    wallet = next(c for c in candidates if c.id == "segment:payment:answer2:age:0")
    share_rest = float(np.mean(payment[100:] == 2))
    assert wallet.statement_en == (
        "Respondents with age “18–24” choose “E-wallet” for “payment method” more often than the other groups: "
        f"60% vs {round(100 * share_rest)}%."
    )
    assert wallet.statement_vi.startswith(
        "Khách có độ tuổi “18–24” chọn “Ví điện tử” ở câu “phương thức thanh toán” nhiều hơn"
    )
    assert wallet.evidence.estimate == "proportion" and wallet.evidence.effect_size_name == "cohens_h"
    assert wallet.evidence.ci_low > 0 and wallet.answer_level == 2


def test_with_two_groups_the_other_group_is_named():
    speed, age = planted_speed_survey()
    two = (age > 0).astype(int)
    info = ins.SegmentInfo("young", Text("nhóm tuổi", "age group"), (Text("18–24"), Text("25+")))
    family = ct.compute_crosstabs(
        [CodedVariable("speed", speed, 5, Measurement.ORDINAL, SCALE)], [CodedVariable("young", two, 2)]
    )
    (candidate,) = ins.find_segment_differences(family, {"speed": SPEED}, {"young": info})
    assert "thấp hơn nhóm “25+”: 2,8 so với 3,6 trên 5." in candidate.statement_vi
    assert "lower than the “25+” group: 2.8 vs 3.6 out of 5." in candidate.statement_en


def test_data_without_real_effects_gives_almost_nothing():
    found = 0
    for seed in range(5):
        rng = np.random.default_rng(seed)
        n = 500
        questions = [CodedVariable(f"q{i}", rng.integers(0, 4, n), 4) for i in range(10)]
        questions += [CodedVariable(f"r{i}", rng.integers(0, 5, n), 5, Measurement.ORDINAL, SCALE) for i in range(10)]
        segments = [CodedVariable(f"s{j}", rng.integers(0, 3, n), 3) for j in range(4)]
        family = ct.compute_crosstabs(questions, segments)
        found += len(ins.generate_insights(family, {}, {}).candidates)
    assert found <= 1


def test_too_few_answers_gives_a_warning_and_no_segment_insight():
    # a huge planted difference, but 10 answers per group
    speed = np.array([0] * 10 + [4] * 30)
    age = np.repeat(np.arange(4), 10)
    family = ct.compute_crosstabs(
        [CodedVariable("speed", speed, 5, Measurement.ORDINAL, SCALE)], [CodedVariable("age", age, 4)]
    )
    assert family.comparison_p[family.comparison_is_member].min() < 0.001  # the test alone would flag it
    report = ins.generate_insights(family, {"speed": SPEED}, {"age": AGE})
    assert report.candidates == ()
    (warning,) = report.warnings
    assert "Too few answers for segment insights" in warning.render()
    assert warning.params["minimum"] == 30


def test_a_significant_but_tiny_effect_is_not_a_candidate():
    rng = np.random.default_rng(8)
    n = 40_000
    segment = rng.integers(0, 2, n)
    score = np.clip(np.round(rng.normal(3 + 0.08 * segment, 1.0)), 1, 5).astype(int) - 1
    family = ct.compute_crosstabs(
        [CodedVariable("speed", score, 5, Measurement.ORDINAL, SCALE)], [CodedVariable("young", segment, 2)]
    )
    assert family.comparison_q[family.comparison_is_member].min() < 0.001
    assert ins.find_segment_differences(family, {}, {}) == []
    lenient = ins.InsightThresholds(min_effect_size=0.05)
    assert len(ins.find_segment_differences(family, {}, {}, thresholds=lenient)) == 1


def test_a_skewed_variable_adds_a_caveat():
    speed, age = planted_speed_survey()
    family = ct.compute_crosstabs(
        [CodedVariable("speed", speed, 5, Measurement.ORDINAL, SCALE)], [CodedVariable("age", age, 4)]
    )
    skew = {"age": ins.SkewInfo(12.4, is_weighted=False), "speed": ins.SkewInfo(30.0, False, is_skewed=False)}
    candidate = ins.find_segment_differences(family, {"speed": SPEED}, {"age": AGE}, skew=skew)[0]
    (caveat,) = candidate.caveats
    assert caveat.variable == "age"
    assert caveat.text_en.startswith("Caution: the sample's mix of “age” differs from the population by up to 12 ")
    assert "không đúng với mọi khách hàng" in caveat.text_vi and "12 điểm phần trăm" in caveat.text_vi
    assert ins.find_segment_differences(family, {"speed": SPEED}, {"age": AGE})[0].caveats == ()


def test_segments_cut_from_a_question_are_never_compared_with_it():
    rng = np.random.default_rng(1)
    nps = rng.integers(0, 11, 600)
    group = np.where(nps >= 9, 0, np.where(nps >= 7, 1, 2))
    family = ct.compute_crosstabs(
        [CodedVariable("nps", nps, 11, Measurement.ORDINAL, tuple(range(11)))], [CodedVariable("nps_group", group, 3)]
    )
    assert ins.find_segment_differences(family, {}, {"nps_group": NPS_GROUP}) == []


def test_weighted_evidence_states_the_effective_n():
    speed, age = planted_speed_survey()
    weights = np.where(np.arange(200) % 2 == 0, 1.0, 3.0)
    family = ct.compute_crosstabs(
        [CodedVariable("speed", speed, 5, Measurement.ORDINAL, SCALE)], [CodedVariable("age", age, 4)], weights=weights
    )
    candidate = next(c for c in ins.find_segment_differences(family, {"speed": SPEED}, {"age": AGE}) if c.segment == 0)
    assert candidate.evidence.is_weighted is True
    assert candidate.evidence.n_group == 50
    assert candidate.evidence.n_effective_group == pytest.approx(ct.kish_effective_n(weights[:50]))
    assert candidate.evidence.n_effective_group < 50


# --------------------------------------------------------------------------- themes


def theme_survey():
    rng = np.random.default_rng(12)
    n = 300
    group = np.repeat([0, 1, 2], 100)  # promoters, passives, detractors
    late = (rng.random(n) < np.where(group == 2, 0.55, 0.15)).astype(int)
    price = (rng.random(n) < 0.3).astype(int)
    membership = np.column_stack([late, price])
    answered = np.ones(n, dtype=bool)
    texts = tuple(f"câu trả lời {i}" for i in range(n))
    return membership, answered, texts, group


def test_a_theme_over_represented_among_detractors_is_found_with_quotes():
    membership, answered, texts, group = theme_survey()
    themes = (
        ins.QuestionInfo("late", Text("giao hàng trễ", "late delivery")),
        ins.QuestionInfo("price", Text("giá", "price")),
    )
    candidates, family_size = ins.find_theme_concentrations(
        membership,
        themes,
        [CodedVariable("nps_group", group, 3)],
        {"nps_group": NPS_GROUP},
        answered=answered,
        texts=texts,
    )
    assert family_size == 2 * 3
    (candidate,) = [c for c in candidates if c.question == "late"]
    share = membership[group == 2, 0].mean()
    rest = membership[group != 2, 0].mean()
    assert candidate.segment == 2 and candidate.kind is ins.CandidateKind.THEME_CONCENTRATION
    assert candidate.statement_en == (
        f"Respondents with NPS group “Detractors” mention “late delivery” more often than the other groups: "
        f"{round(100 * share)}% vs {round(100 * rest)}% of open answers."
    )
    assert candidate.statement_vi.startswith("Khách có nhóm NPS “Người phản đối” nhắc đến “giao hàng trễ” nhiều hơn")
    assert candidate.criteria.actionable.value is True
    expected = stats.chi2_contingency(
        [
            [membership[group == 2, 0].sum(), 100 - membership[group == 2, 0].sum()],
            [membership[group != 2, 0].sum(), 200 - membership[group != 2, 0].sum()],
        ],
        correction=False,
    )
    assert candidate.evidence.p_value == pytest.approx(expected.pvalue, rel=1e-9)
    assert len(candidate.quotes) == 3
    rows = np.flatnonzero((group == 2) & (membership[:, 0] == 1))[:3]
    assert candidate.quotes == tuple(texts[i] for i in rows)
    assert not [c for c in candidates if c.question == "price"]


def test_a_theme_concentrated_in_the_second_of_two_groups_is_stated_for_that_group():
    membership, answered, _, group = theme_survey()
    detractor = (group == 2).astype(int)  # 0 = others, 1 = detractors
    info = ins.SegmentInfo("detractor", Text("nhóm", "group"), (Text("Khác", "Others"), Text("Phản đối", "Detractors")))
    candidates, _ = ins.find_theme_concentrations(
        membership[:, :1],
        (ins.QuestionInfo("late", Text("giao hàng trễ", "late delivery")),),
        [CodedVariable("detractor", detractor, 2)],
        {"detractor": info},
        answered=answered,
    )
    (candidate,) = candidates
    assert candidate.segment == 1
    assert candidate.evidence.estimate_group > candidate.evidence.estimate_rest
    assert candidate.evidence.ci_low > 0 and candidate.evidence.effect_size > 0
    assert "“Detractors” mention “late delivery” more often than the “Others” group" in candidate.statement_en


def test_bad_theme_inputs_raise():
    with pytest.raises(ins.InsightInputError):
        ins.find_theme_concentrations(np.array([[2, 0]]), (ins.QuestionInfo("a", Text("a")),), [], {})


# --------------------------------------------------------------------------- drivers


def driver_survey():
    rng = np.random.default_rng(21)
    n = 400
    speed = rng.integers(1, 6, n).astype(float)
    price = rng.integers(1, 6, n).astype(float)
    noise = rng.integers(1, 6, n).astype(float)
    nps = np.clip(np.round(2 + 1.2 * speed + 0.4 * price + rng.normal(0, 1.5, n)), 0, 10)
    speed[:20] = np.nan  # missing answers are left out pairwise
    return nps, {"speed": speed, "price": price, "noise": noise}


def test_drivers_match_scipy_spearman():
    nps, ratings = driver_survey()
    estimates = {e.rating: e for e in ins.estimate_drivers(nps, ratings)}
    for key, values in ratings.items():
        both = np.isfinite(values)
        expected = stats.spearmanr(values[both], nps[both])
        assert estimates[key].n == both.sum()
        assert estimates[key].rho == pytest.approx(expected.statistic, rel=1e-12)
        assert estimates[key].p_value == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-300)
        rho, n = estimates[key].rho, estimates[key].n
        half = 1.959963984540054 * math.sqrt((1 + rho**2 / 2) / (n - 3))
        assert estimates[key].ci_low == pytest.approx(math.tanh(math.atanh(rho) - half), rel=1e-9)
        assert estimates[key].ci_high == pytest.approx(math.tanh(math.atanh(rho) + half), rel=1e-9)
    q = stats.false_discovery_control([estimates[k].p_value for k in ratings])
    assert [estimates[k].q_value for k in ratings] == pytest.approx(q)


def test_the_strongest_driver_is_ranked_first_and_noise_is_left_out():
    nps, ratings = driver_survey()
    kpi = ins.QuestionInfo("nps", Text("khả năng giới thiệu", "likelihood to recommend"), is_kpi=True)
    info = {"speed": ins.QuestionInfo("speed", Text("tốc độ giao hàng", "delivery speed"))}
    candidates, estimates = ins.find_kpi_drivers(kpi, nps, ratings, info)
    assert [c.question for c in candidates] == ["speed", "price"]
    top = candidates[0]
    rho = next(e for e in estimates if e.rating == "speed").rho
    assert top.statement_en.startswith(
        "Delivery speed rating is the strongest driver of likelihood to recommend: respondents who rate it higher "
        f"also tend to rate likelihood to recommend higher (Spearman ρ = {rho:.2f}; 95% CI "
    )
    assert top.statement_vi.startswith(
        "Đánh giá về tốc độ giao hàng gắn chặt nhất với khả năng giới thiệu: khách chấm tiêu chí này cao hơn "
        "thường cũng chấm khả năng giới thiệu cao hơn (ρ Spearman = " + f"{rho:.2f}".replace(".", ",") + "; KTC 95%: "
    )
    second = candidates[1]
    assert second.statement_en.startswith("The rating “price” is driver #2 of 3 for likelihood to recommend: ") or (
        second.statement_en.startswith("Price rating is driver #2 of 3 for likelihood to recommend: ")
    )
    assert "đứng thứ 2/3 trong các yếu tố gắn với khả năng giới thiệu" in second.statement_vi
    assert top.criteria.actionable.value is True and top.criteria.specific.value is False
    assert top.evidence.family_size == 3 and top.kpi == "nps"


def test_drivers_with_too_few_answers_are_not_testable():
    estimates = ins.estimate_drivers(np.array([1.0, 2.0, 3.0]), {"a": np.array([1.0, 2.0, 2.0])})
    assert estimates[0].rho is None and estimates[0].p_value is None and estimates[0].q_value is None


# --------------------------------------------------------------------------- everything together


def test_the_report_ranks_and_merges_candidates():
    speed, age = planted_speed_survey()
    family = ct.compute_crosstabs(
        [CodedVariable("speed", speed, 5, Measurement.ORDINAL, SCALE)], [CodedVariable("age", age, 4)]
    )
    found = ins.find_segment_differences(family, {"speed": SPEED}, {"age": AGE})
    ranked = ins.rank_candidates(found + found)
    assert len(ranked) == len(found)
    assert [c.rank for c in ranked] == list(range(1, len(found) + 1))
    assert [c.score for c in ranked] == sorted((c.score for c in ranked), reverse=True)


@pytest.mark.parametrize(
    "thresholds",
    [
        ins.InsightThresholds(alpha=0),
        ins.InsightThresholds(min_group_n=1),
        ins.InsightThresholds(min_effect_size=-1),
        ins.InsightThresholds(max_quotes=-1),
    ],
)
def test_bad_thresholds_raise(thresholds):
    family = ct.compute_crosstabs([CodedVariable("q", np.array([0, 1]), 2)], [CodedVariable("s", np.array([0, 1]), 2)])
    with pytest.raises(ins.InsightInputError) as error:
        ins.generate_insights(family, {}, {}, thresholds=thresholds)
    assert error.value.message.render()
