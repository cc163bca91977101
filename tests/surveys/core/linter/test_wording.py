"""Each wording rule: true positives in both languages and the tricky negatives it must leave alone."""

import pytest

from surveys.core.linter import QuestionInput, lint_question


def categories(text: str, options: tuple[str, ...] = (), type: str | None = None) -> set[str]:
    return {f.category.value for f in lint_question(QuestionInput(text=text, options=options, type=type))}


def finding(text: str, rule: str, options: tuple[str, ...] = ()):
    return next(f for f in lint_question(QuestionInput(text=text, options=options)) if f.rule == rule)


@pytest.mark.parametrize(
    "text",
    [
        "Bạn có thích website mới tuyệt vời của chúng tôi không?",
        "Bạn đánh giá thế nào về đội ngũ nhân viên thân thiện của chúng tôi?",
        "How would you rate our amazing new checkout?",
        "How satisfied are you with our friendly staff?",
    ],
)
def test_praise_for_the_subject_is_leading(text):
    assert "leading" in categories(text)


@pytest.mark.parametrize(
    "text",
    [
        "How friendly was the staff?",
        "Nhân viên thân thiện như thế nào khi tiếp đón bạn?",
        "Bạn đánh giá thế nào về sự tiện lợi của ứng dụng?",
        "Would you say your health in general is excellent, very good, good, fair, or poor?",
    ],
)
def test_praise_word_as_the_rated_dimension_or_a_read_out_label_is_not_leading(text):
    assert "leading" not in categories(text)


def test_leading_suggestion_removes_the_praise_and_asks_for_a_rating():
    vi = finding("Bạn có thích website mới tuyệt vời của chúng tôi không?", "leading_evaluative_word")
    assert vi.suggestion.questions == ("Bạn đánh giá như thế nào về website mới của chúng tôi?",)
    en = finding("Do you like our amazing new website?", "leading_evaluative_word")
    assert en.suggestion.questions == ("How would you rate our new website?",)


@pytest.mark.parametrize(
    ("text", "rewrite"),
    [
        (
            "Don't you agree that our prices are fair?",
            "To what extent do you agree or disagree that our prices are fair?",
        ),
        (
            "Sản phẩm của chúng tôi rất tốt, phải không?",
            "Bạn đồng ý hay không đồng ý ở mức độ nào rằng sản phẩm của chúng tôi rất tốt?",
        ),
    ],
)
def test_tag_questions_are_leading_and_get_a_balanced_rewrite(text, rewrite):
    assert finding(text, "leading_tag_question").suggestion.questions == (rewrite,)


def test_why_dont_you_is_a_reason_question_not_a_tag():
    assert "leading" not in categories("Why don't you use our mobile app?")


def test_social_proof_is_leading_but_a_balanced_framing_is_not():
    assert "leading" in categories("Hầu hết khách hàng đều thích thực đơn mới. Bạn thấy thực đơn mới thế nào?")
    balanced = (
        "Some people say the government should do more to solve problems. Others say the government is doing "
        "too many things better left to businesses and individuals. Which comes closer to your view?"
    )
    assert categories(balanced) == set()


@pytest.mark.parametrize(
    "text",
    ["Bạn nghĩ sao về mức giá cắt cổ của các hãng taxi?", "How do you feel about greedy landlords raising rents?"],
)
def test_emotive_words_are_loaded(text):
    assert "loaded" in categories(text)


@pytest.mark.parametrize(
    ("text", "first", "second"),
    [
        ("How satisfied are you with the food and service at our restaurant?", "food", "service"),
        ("Bạn đánh giá thế nào về giá cả và chất lượng món ăn?", "giá cả", "chất lượng món ăn"),
        ("Nhân viên có thân thiện và nhiệt tình không?", "thân thiện", "nhiệt tình"),
    ],
)
def test_two_judged_things_are_double_barreled_and_split(text, first, second):
    hit = finding(text, "double_barreled_conjunction")
    assert [text[s:e] for s, e in hit.spans][::2] == [first, second]
    assert len(hit.suggestion.questions) == 2


def test_double_barreled_split_keeps_the_rest_of_the_question():
    hit = finding("How satisfied are you with the food and service at our restaurant?", "double_barreled_conjunction")
    assert hit.suggestion.questions == (
        "How satisfied are you with the food at our restaurant?",
        "How satisfied are you with the service at our restaurant?",
    )


@pytest.mark.parametrize(
    "text",
    [
        "How many brothers and sisters do you have?",
        "Do you favor or oppose the new parking rules?",
        "Would you say you and your family are better off or worse off financially than a year ago?",
        "Trên thang điểm từ 0 đến 10, khả năng bạn giới thiệu cửa hàng cho bạn bè hoặc đồng nghiệp là bao nhiêu?",
        "Bạn quan tâm đến những loại sản phẩm nào, chẳng hạn như mỹ phẩm, thời trang và đồ gia dụng?",
        "Trong 7 ngày qua, có bao nhiêu ngày bạn ăn rau và trái cây?",
        "How satisfied are you with products from Johnson and Johnson?",
        "Bạn hài lòng hay không hài lòng với dịch vụ giao hàng?",
    ],
)
def test_fixed_pairs_lists_and_balanced_alternatives_are_not_double_barreled(text):
    assert "double_barreled" not in categories(text)


def test_follow_up_in_the_same_question_is_two_questions():
    assert "double_barreled" in categories("Do you use our app, and if so, how often?")
    assert "double_barreled" in categories("Bạn sử dụng sản phẩm bao lâu một lần và tại sao?")
    assert "double_barreled" not in categories("What happened and why?", type="long_text")


@pytest.mark.parametrize(
    "text",
    [
        "Do you always read the terms before signing up?",
        "Bạn có luôn luôn kiểm tra hàng trước khi nhận không?",
        "Bạn có ăn sáng mỗi ngày không?",
        "Do you check every item on your receipt?",
    ],
)
def test_absolutes_are_flagged(text):
    assert "absolute" in categories(text)


@pytest.mark.parametrize(
    "text",
    [
        "How often do you eat out—always, most of the time, sometimes, rarely, or never?",
        "Have you ever bought from our website?",
        "Bạn có bao giờ mua hàng qua livestream không?",
        "Bạn dành bao nhiêu giờ mỗi ngày để lướt mạng xã hội?",
        "How many people, including everyone in your household, use the car?",
    ],
)
def test_scale_end_points_ever_and_rates_are_not_absolutes(text):
    assert "absolute" not in categories(text)


def test_labelled_frequency_options_with_always_and_never_are_fine():
    options = ("Always", "Often", "Sometimes", "Rarely", "Never")
    assert categories("How often do you use coupons?", options) == set()


@pytest.mark.parametrize(
    "text",
    [
        "Do you disagree that the store should not open on Sundays?",
        "Bạn có phản đối việc không cho phép mang thú cưng vào quán không?",
    ],
)
def test_double_negatives_are_flagged(text):
    assert "double_negative" in categories(text)


@pytest.mark.parametrize(
    "text",
    [
        "Bạn có hài lòng với không gian quán không?",
        "Bạn có đồng ý hay không đồng ý với nhận định sau?",
        "How much, if at all, do you worry about the cost of health care?",
        "Bạn không thích điều gì ở ứng dụng?",
    ],
)
def test_question_particle_and_single_negation_are_not_double_negatives(text):
    assert "double_negative" not in categories(text)


@pytest.mark.parametrize(
    "text",
    ["How much did you enjoy your stay with us?", "Ứng dụng đã giúp bạn tiết kiệm thời gian như thế nào?"],
)
def test_presupposed_experience_is_assumptive(text):
    assert "assumptive" in categories(text)


def test_assumptive_wording_with_a_balanced_scale_is_accepted():
    options = ("Not at all", "A little", "Somewhat", "Very much")
    assert "assumptive" not in categories("How much did you enjoy the event?", options)


@pytest.mark.parametrize(
    "text", ["Does our SLA meet your expectations?", "Bạn đánh giá thế nào về trải nghiệm omnichannel?"]
)
def test_unexplained_jargon_is_flagged_as_info(text):
    hits = [f for f in lint_question(QuestionInput(text=text)) if f.category == "jargon"]
    assert hits and {f.severity.value for f in hits} == {"info"}


@pytest.mark.parametrize(
    "text",
    [
        "Do you have high blood pressure, also called hypertension?",
        "Bạn đánh giá thế nào về mức độ sẵn lòng giới thiệu (NPS) của khách hàng?",
        "Tỷ lệ chuyển đổi (số đơn hàng trên 100 lượt xem) của gian hàng thay đổi thế nào?",
        "Bạn đã tốt nghiệp THPT chưa?",
        "Which bank do you use: BIDV, VCB or ACB?",
    ],
)
def test_glossed_terms_common_abbreviations_and_brands_are_not_jargon(text):
    assert "jargon" not in categories(text)


@pytest.mark.parametrize(
    "text",
    ["Bạn có thường xuyên mua sắm trực tuyến không?", "Do you exercise regularly?", "Gần đây bạn có mua gì không?"],
)
def test_vague_quantifiers_without_a_period_are_flagged(text):
    assert "vague" in categories(text)


@pytest.mark.parametrize(
    "text",
    [
        "How often do you shop online?",
        "Bạn mua sắm trực tuyến bao lâu một lần?",
        "Lần gần đây nhất bạn mua hàng là khi nào?",
        "Bạn thường mua sắm ở đâu nhất?",
        "Do you exercise regularly (at least three times a week)?",
    ],
)
def test_frequency_questions_and_defined_periods_are_not_vague(text):
    assert "vague" not in categories(text)


def test_one_sided_agreement_is_acquiescence_but_a_balanced_scale_is_not():
    assert "acquiescence" in categories("Bạn có đồng ý rằng giá của chúng tôi hợp lý không?")
    assert "acquiescence" in categories("Do you agree that our prices are fair?")
    agree = ("Strongly agree", "Agree", "Neither agree nor disagree", "Disagree", "Strongly disagree")
    assert "acquiescence" not in categories("To what extent do you agree or disagree that prices are fair?", agree)


def test_yes_no_judgements_are_flagged_but_factual_yes_no_is_not():
    assert "yes_no_closed" in categories("Are you satisfied with our product?")
    assert "yes_no_closed" in categories("Bạn có hài lòng với dịch vụ giao hàng không?")
    assert "yes_no_closed" not in categories("Bạn có tài khoản ngân hàng không?")
    assert "yes_no_closed" not in categories("Have you ever purchased from our website?")
    scale = ("Very satisfied", "Satisfied", "Neither", "Dissatisfied", "Very dissatisfied")
    assert "yes_no_closed" not in categories("Are you satisfied with our product?", scale)


def test_yes_no_suggestion_is_a_scaled_question():
    hit = finding("Are you satisfied with our delivery service?", "yes_no_closed_evaluation")
    assert hit.suggestion.questions == ("How satisfied or dissatisfied are you with our delivery service?",)


def test_long_questions_are_flagged_but_read_out_answer_lists_do_not_count():
    long_text = "Thinking about all of the times you visited any of our stores over the past several years, " * 2
    assert "too_long" in categories(long_text + "how was it?")
    read_out = (
        "How much of the time do you think you can trust the government in Washington to do what is right"
        "—just about always, most of the time, or only some of the time?"
    )
    assert categories(read_out) == set()
