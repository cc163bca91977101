"""Rules on the wording of one question, in Vietnamese and English.

Each rule looks at context, not bare keywords: praise counts only where it presupposes the answer,
"and" only where one answer must cover two things, "always"/"never" only outside a read-out
scale, frequency words only where the respondent has no scale or period to anchor on.
"""

import re
from collections.abc import Iterator

from surveys.core.linter import lexicon
from surveys.core.linter.context import QuestionContext
from surveys.core.linter.findings import Category, Severity, Suggestion
from surveys.core.linter.registry import Hit, rule
from surveys.core.linter.rewrite import neutral_rewrite, split_pair
from surveys.core.linter.scales import option_polarity
from surveys.core.linter.text import WORD_PATTERN, Pattern, fold
from surveys.core.messages import gettext_noop, message

OPEN_TYPES = frozenset({"short_text", "long_text"})

# Words that precede a praise word used as the thing rated, not as a label stuck on it.
_EN_DEGREE = frozenset(
    ["how", "very", "so", "too", "as", "more", "less", "most", "least", "quite", "rather", "fairly", "enough"]
)
_EN_DETERMINERS = frozenset(["our", "your", "the", "this", "these", "its", "their", "my", "new", "a", "an"])
_EN_AFTER_STOP = frozenset(
    [
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "to",
        "and",
        "or",
        "enough",
        "than",
        "as",
        "at",
        "in",
        "for",
        "with",
        "about",
        "when",
        "if",
        "you",
        "it",
        "that",
    ]
)
_VI_PREDICATE_BEFORE = frozenset(
    [
        "co",
        "rat",
        "khong",
        "kha",
        "hoi",
        "su",
        "tinh",
        "do",
        "du",
        "thay",
        "la",
        "duoc",
        "qua",
        "cuc",
        "ky",
        "vo",
        "cung",
        "nao",
        "cang",
        "it",
        "nhieu",
        "chua",
        "da",
        "cam",
        "thuc",
        "muc",
        "that",
        "bot",
        "nhat",
        "va",
        "hay",
        "hoac",
    ]
)
# After a praise word these make it a predicate or the rated dimension ("thân thiện như thế nào", "… không?").
_VI_PREDICATE_AFTER = frozenset(
    [
        "nhu",
        "the",
        "ra",
        "khong",
        "chua",
        "hon",
        "lam",
        "qua",
        "den",
        "o",
        "voi",
        "hay",
        "hoac",
        "va",
        "nhat",
        "khi",
        "sao",
        "the",
    ]
)


def _words_before(text: str, position: int, count: int) -> list[str]:
    return [m.group(0) for m in WORD_PATTERN.finditer(text[:position])][-count:]


def _words_after(text: str, position: int, count: int) -> list[str]:
    words = []
    for m in WORD_PATTERN.finditer(text, position):
        words.append(m.group(0))
        if len(words) == count:
            break
    return words


def _next_char(text: str, position: int) -> str:
    rest = text[position:].lstrip()
    return rest[:1]


def _in_read_out_scale(ctx: QuestionContext, start: int, end: int) -> bool:
    """Return whether the match is one item of a list of scale labels read out in the question."""
    window = ctx.m[max(0, start - 60) : end + 60]
    labels = (
        list(lexicon.FREQUENCY_WORDS.pattern_for(ctx.text).finditer(window))
        + list(lexicon.POSITIVE_ROOTS.pattern_for(ctx.text).finditer(window))
        + list(lexicon.NEGATIVE_ROOTS.pattern_for(ctx.text).finditer(window))
        + list(lexicon.NEUTRAL_POINTS.pattern_for(ctx.text).finditer(window))
    )
    if len(labels) < 3:
        return False
    separators = len(re.findall(r",|/|\bor\b|\bhay\b|\bhoặc\b|\bhoac\b", window))
    return separators >= 2


def _hit(ctx: QuestionContext, spans: list[tuple[int, int]], template: str, **params: object) -> Hit:
    return Hit(spans=tuple(spans), message=message(template, **params))


def _praise_is_attributive(ctx: QuestionContext, start: int, end: int) -> bool:
    text = ctx.m
    if ctx.lang == "vi":
        before = [fold(w) for w in _words_before(text, start, 2)]
        after = [fold(w) for w in _words_after(text, end, 1)]
        if not before or before[-1] in _VI_PREDICATE_BEFORE or " ".join(before) in ("muc do", "nhu the"):
            return False
        return bool(after) and after[0] not in _VI_PREDICATE_AFTER and _next_char(text, end) not in ("?", ",", ".")
    before = _words_before(text, start, 2)
    after = _words_after(text, end, 1)
    if not before or before[-1] in _EN_DEGREE or _next_char(text, end) in ("?", ".", ",", "!", ""):
        return False
    if not after or after[0] in _EN_AFTER_STOP:
        return False
    return before[-1] in _EN_DETERMINERS or (len(before) == 2 and before[0] in _EN_DETERMINERS)


@rule(
    id="leading_evaluative_word",
    category=Category.LEADING,
    severity=Severity.WARNING,
    summary=gettext_noop("Praise for what is asked about tells the respondent which answer is expected."),
)
def check_evaluative_words(ctx: QuestionContext) -> Iterator[Hit]:
    spans = [
        (m.start(), m.end())
        for m in lexicon.STRONG_PRAISE.finditer(ctx.text)
        if not _in_read_out_scale(ctx, m.start(), m.end()) and not ctx.in_parentheses(m.start())
    ]
    spans += [
        (m.start(), m.end())
        for m in lexicon.MILD_PRAISE.finditer(ctx.text)
        if _praise_is_attributive(ctx, m.start(), m.end()) and not any(s <= m.start() < e for s, e in spans)
    ]
    if not spans:
        return
    spans.sort()
    words = ", ".join(f"“{ctx.text.normalised[s:e]}”" for s, e in spans)
    rewrite = neutral_rewrite(ctx.text.normalised, lang=ctx.lang, remove=spans)
    yield Hit(
        spans=tuple(spans),
        message=message(
            gettext_noop(
                "{words} praises what the question asks about, so respondents lean towards a positive answer. "
                "Describe it neutrally and let them judge."
            ),
            words=words,
        ),
        suggestion=Suggestion(questions=(rewrite,)) if rewrite else None,
    )


_EN_TAG = re.compile(
    r",\s*(?:isn't it|aren't they|aren't you|don't you|doesn't it|wasn't it|weren't they|didn't it|didn't you"
    r"|won't you|wouldn't you|wouldn't it|shouldn't we|can't you|haven't you|right|correct|isn't that so"
    r"|wouldn't you say|don't you think|don't you agree|no)\s*\?"
)
_EN_NEGATIVE_QUESTION = re.compile(
    r"(?:^|[.?!]\s+|,\s*)(?:don't|doesn't|didn't|isn't|aren't|wasn't|weren't|wouldn't|shouldn't|couldn't|can't"
    r"|won't|haven't|hasn't)\s+(?:you|it|they|we|this|that|these|the|our|there|he|she|people)\b"
)
_EN_TRUE_THAT = re.compile(r"\b(?:is it not|isn't it) (?:true|the case|obvious|clear) that\b")
_VI_TAG = Pattern(
    r"(?:,\s*|\s+)(?:phải không|đúng không|đúng chứ|phải chứ|nhỉ|chứ nhỉ|chứ|phải chăng)(?:\s+ạ)?\s*\?*\s*$",
    folded_source=r"(?:,\s*|\s+)(?:phải không|đúng không|đúng chứ|phải chứ|phải chăng)(?:\s+ạ)?\s*\?*\s*$",
)
_VI_RHETORICAL = Pattern(r"\b(?:chẳng phải|chẳng lẽ|phải chăng|há chẳng)\b|^\s*không phải\b(?=.*\bsao\s*\??\s*$)")


@rule(
    id="leading_tag_question",
    category=Category.LEADING,
    severity=Severity.WARNING,
    summary=gettext_noop("A tag or negative question (“don't you agree”, “phải không”) asks for agreement."),
)
def check_tag_questions(ctx: QuestionContext) -> Iterator[Hit]:
    text = ctx.m
    spans: list[tuple[int, int]] = []
    if ctx.lang == "vi":
        for start, end in ctx.sentences:
            for pattern in (_VI_TAG, _VI_RHETORICAL):
                spans += [(m.start(), m.end()) for m in pattern.finditer(ctx.text, start, end)]
    else:
        for pattern in (_EN_TAG, _EN_NEGATIVE_QUESTION, _EN_TRUE_THAT):
            for match in pattern.finditer(text):
                if pattern is _EN_NEGATIVE_QUESTION and re.search(r"\bwhy\s*$", text[: match.start() + 1]):
                    continue
                spans.append((match.start(), match.end()))
    spans = [(s + len(text[s:e]) - len(text[s:e].lstrip(" ,.?!")), e) for s, e in spans]
    spans = [(s, e - (len(text[s:e]) - len(text[s:e].rstrip(" ?.!")))) for s, e in spans]
    if not spans:
        return
    rewrite = neutral_rewrite(ctx.text.normalised, lang=ctx.lang)
    yield Hit(
        spans=tuple(sorted(set(spans))),
        message=message(
            gettext_noop(
                "“{tag}” asks the respondent to confirm a view instead of giving their own. "
                "Ask a neutral question with answers in both directions."
            ),
            tag=ctx.text.normalised[spans[0][0] : spans[0][1]].strip(" ,?"),
        ),
        suggestion=Suggestion(questions=(rewrite,)) if rewrite else None,
    )


_OPINION_VERBS = Pattern(
    r"(?:\s+\w+){0,3}?\s+(?:say|says|said|believe|think|agree|feel|prefer|like|love|choose|use|recommend|consider|"
    r"find|want|support|cho rằng|nói|nghĩ|tin|đánh giá|thích|chọn|khen|đồng ý|ưa chuộng|sử dụng|dùng|ủng hộ|thấy|"
    r"yêu thích|tin dùng|lựa chọn|muốn)\b"
)
_MAJORITY_CUES = frozenset(
    [
        "most people",
        "many people",
        "most customers",
        "many customers",
        "most of our customers",
        "the majority of people",
        "hau het moi nguoi",
        "nhieu nguoi",
        "da so moi nguoi",
        "da so khach hang",
        "phan lon khach hang",
        "nhieu khach hang",
        "hau het khach hang",
    ]
)


@rule(
    id="leading_social_proof",
    category=Category.LEADING,
    severity=Severity.WARNING,
    summary=gettext_noop("Telling respondents what most people or experts think pushes them to agree."),
)
def check_social_proof(ctx: QuestionContext) -> Iterator[Hit]:
    if lexicon.BALANCING.search(ctx.text) is not None and lexicon.SOCIAL_PROOF.search(ctx.text) is not None:
        cues = [m for m in lexicon.SOCIAL_PROOF.finditer(ctx.text) if fold(m.group(0)) not in _MAJORITY_CUES]
        if not cues:
            return
    spans = []
    for match in lexicon.SOCIAL_PROOF.finditer(ctx.text):
        if fold(match.group(0)) in _MAJORITY_CUES and not _OPINION_VERBS.match(ctx.text, match.end()):
            continue
        if lexicon.BALANCING.search(ctx.text) is not None and fold(match.group(0)) in _MAJORITY_CUES:
            continue
        spans.append((match.start(), match.end()))
    if spans:
        yield _hit(
            ctx,
            spans,
            gettext_noop(
                "“{cue}” tells the respondent what others think, which pulls answers towards it. "
                "Ask for their own view without it."
            ),
            cue=ctx.text.normalised[spans[0][0] : spans[0][1]],
        )


@rule(
    id="loaded_wording",
    category=Category.LOADED,
    severity=Severity.WARNING,
    summary=gettext_noop("Emotionally charged words provoke a reaction instead of measuring an opinion."),
)
def check_loaded_words(ctx: QuestionContext) -> Iterator[Hit]:
    spans = [
        (m.start(), m.end())
        for m in lexicon.LOADED.finditer(ctx.text)
        if not _in_read_out_scale(ctx, m.start(), m.end()) and not ctx.in_parentheses(m.start())
    ]
    if not spans:
        return
    attributive = all(_next_char(ctx.m, end) not in ("?", ".", "!", "") for _, end in spans)
    rewrite = neutral_rewrite(ctx.text.normalised, lang=ctx.lang, remove=spans) if attributive else None
    yield Hit(
        spans=tuple(spans),
        message=message(
            gettext_noop(
                "{words} is emotionally charged; respondents react to the word rather than to the issue. "
                "Use neutral, descriptive wording."
            ),
            words=", ".join(f"“{ctx.text.normalised[s:e]}”" for s, e in spans),
        ),
        suggestion=Suggestion(questions=(rewrite,)) if rewrite else None,
    )


# Function words that end a conjunct: the phrase joined by "and" lies between them.
_EN_LEFT_STOP = frozenset(
    [
        "with",
        "about",
        "of",
        "for",
        "to",
        "in",
        "on",
        "at",
        "by",
        "from",
        "the",
        "our",
        "your",
        "their",
        "its",
        "this",
        "that",
        "these",
        "those",
        "a",
        "an",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "how",
        "you",
        "rate",
        "find",
        "feel",
        "think",
        "would",
        "do",
        "did",
        "does",
        "have",
        "has",
        "what",
        "which",
        "when",
    ]
)
_EN_RIGHT_STOP = frozenset(
    [
        "at",
        "in",
        "of",
        "from",
        "on",
        "during",
        "with",
        "for",
        "when",
        "that",
        "since",
        "you",
        "your",
        "is",
        "are",
        "was",
        "were",
        "compared",
        "overall",
        "today",
        "so",
    ]
)
_VI_LEFT_STOP = frozenset(
    [
        "voi",
        "ve",
        "cua",
        "cho",
        "la",
        "co",
        "duoc",
        "thay",
        "cac",
        "nhung",
        "vao",
        "tai",
        "o",
        "trong",
        "khi",
        "thich",
        "nen",
    ]
)
# Two-syllable verbs that open the judged phrase ("đánh giá chất lượng … và …").
_VI_LEFT_STOP_PAIRS = frozenset({("danh", "gia"), ("hai", "long"), ("quan", "tam"), ("su", "dung")})
_VI_RIGHT_STOP = frozenset(
    [
        "cua",
        "tai",
        "o",
        "trong",
        "khi",
        "khong",
        "nhu",
        "ma",
        "la",
        "nay",
        "do",
        "chua",
        "the",
        "nao",
        "ra",
        "sao",
        "hien",
    ]
)
_NON_CONTENT = frozenset(
    [
        "so",
        "then",
        "also",
        "other",
        "others",
        "more",
        "the",
        "a",
        "an",
        "etc",
        "not",
        "to",
        "your",
        "our",
        "their",
        "its",
        "my",
        "his",
        "her",
        "we",
        "they",
        "you",
        "it",
        "cac",
        "nhung",
        "cung",
        "con",
        "nua",
        "khac",
        "toi",
        "ban",
        "minh",
        "thi",
        "ma",
    ]
)
_CONJUNCTIONS = Pattern(
    r"\b(?:and|as well as|and/or|và|cũng như|lẫn|và/hoặc)\b", folded_source=r"\b(?:and|as well as|and/or|và|và/hoặc)\b"
)
_TWO_PART = Pattern(
    r"\b(?:and|or) (?:why|why not|if so|if not|how|what|which|where|when)\b|\b(?:và|rồi) (?:tại sao|vì sao|nếu có"
    r"|nếu không|như thế nào|ở đâu|khi nào|bao nhiêu)\b|\bnếu có\b.{0,30}?\bthì\b"
)
_FRAMING_CLAUSE = Pattern(
    r"\s*(?:if|when|whenever|in the event that|in case|thinking about|thinking of|considering|compared with|"
    r"compared to|after|before|nếu|khi|trong trường hợp|giả sử|nghĩ về|so với|sau khi|trước khi)\b[^,?]*,"
)
_BETWEEN = Pattern(r"\b(?:between|từ|giữa)\b[^,?]*$")


def _conjunct_bounds(
    ctx: QuestionContext, conj_start: int, conj_end: int
) -> tuple[tuple[int, int], tuple[int, int]] | None:
    words = [(m.group(0), m.start(), m.end()) for m in WORD_PATTERN.finditer(ctx.f)]
    left_stop, right_stop = (_VI_LEFT_STOP, _VI_RIGHT_STOP) if ctx.lang == "vi" else (_EN_LEFT_STOP, _EN_RIGHT_STOP)
    before = [w for w in words if w[2] <= conj_start]
    after = [w for w in words if w[1] >= conj_end]
    if not before or not after:
        return None
    left_start = before[-1][1]
    window = before[-6:]
    for position in range(len(window) - 1, -1, -1):
        word, start, end = window[position]
        pair = (window[position - 1][0], word) if position else ("", word)
        if word in left_stop or pair in _VI_LEFT_STOP_PAIRS or re.search(r"[,(]", ctx.f[end:left_start]):
            break
        left_start = start
    right_end = after[0][2]
    for word, start, end in after[:6]:
        if start > after[0][1] and (word in right_stop or re.search(r"[,?.!(]", ctx.f[right_end:start])):
            break
        right_end = end
    left_word = before[-1][0]
    right_word = after[0][0]
    if left_word in _NON_CONTENT or right_word in _NON_CONTENT or right_word in right_stop:
        return None
    if left_word.isdigit() or right_word.isdigit():
        return None
    return (left_start, before[-1][2]), (after[0][1], right_end)


def _is_list_of_examples(ctx: QuestionContext, conj_start: int) -> bool:
    clause_start = max(ctx.f.rfind(",", 0, conj_start), ctx.f.rfind("?", 0, conj_start), 0)
    before = ctx.m[:conj_start]
    introducer = None
    for match in lexicon.LIST_INTRODUCERS.finditer(ctx.text, 0, conj_start):
        introducer = match
    if introducer is not None and conj_start - introducer.end() < 60:
        if ctx.lang == "vi" and fold(introducer.group(0)) == "nhu":
            # "như" is also "like/as" in "như thế nào"; only "như" right before a noun list introduces examples.
            after = ctx.f[introducer.end() : introducer.end() + 8]
            if after.lstrip().startswith(("the nao", "nao", "vay")):
                return False
        return True
    return ":" in before[clause_start:] or ctx.in_parentheses(conj_start)


def _conjunction_is_exempt(ctx: QuestionContext, start: int, end: int) -> bool:
    for lexicon_ in (lexicon.FIXED_PAIRS, lexicon.BALANCED_ALTERNATIVES):
        for match in lexicon_.finditer(ctx.text, max(0, start - 40), min(len(ctx.m), end + 40)):
            if match.start() <= start and end <= match.end():
                return True
    if _BETWEEN.search(ctx.text, max(0, start - 40), start):
        return True
    left = ctx.text.normalised[max(0, start - 20) : start].split()
    right = ctx.text.normalised[end : end + 20].split()
    # "Johnson and Johnson", "Bộ Tài chính và Bộ Công Thương": names, not two topics to judge.
    return bool(left and right and left[-1][:1].isupper() and right[0][:1].isupper() and start > 0)


@rule(
    id="double_barreled_conjunction",
    category=Category.DOUBLE_BARRELED,
    severity=Severity.WARNING,
    summary=gettext_noop("One question judges two things joined by “and”/“và”; one answer cannot cover both."),
)
def check_double_barreled(ctx: QuestionContext) -> Iterator[Hit]:
    is_evaluative = lexicon.EVALUATION_CUES.search(ctx.text) is not None
    # In "Some people say …; others say …. Which is closer to your view?" only the last sentence is asked.
    start_at = ctx.question_sentence[0] if lexicon.BALANCING.search(ctx.text) is not None else 0
    framing = _FRAMING_CLAUSE.match(ctx.text, start_at)
    if framing is not None:
        # "If the store changed its hours on weekends and holidays, which …": the condition is not what is judged.
        start_at = framing.end()
    for match in _CONJUNCTIONS.finditer(ctx.text, start_at):
        start, end = match.start(), match.end()
        if _conjunction_is_exempt(ctx, start, end) or _is_list_of_examples(ctx, start):
            continue
        bounds = _conjunct_bounds(ctx, start, end)
        if bounds is None:
            continue
        left, right = bounds
        next_to = _adjacent_words(ctx, start, end)
        pair_of_adjectives = next_to is not None and all(_is_adjective(ctx, span) for span in next_to)
        if pair_of_adjectives and next_to is not None:
            # "Is our checkout process quick and secure?": the judged pair is the two adjectives.
            left, right = next_to
        if not (is_evaluative or pair_of_adjectives):
            continue
        if ctx.options and not is_evaluative and not pair_of_adjectives:
            continue
        if ctx.type in OPEN_TYPES and not pair_of_adjectives:
            continue
        first, second = split_pair(ctx.text.normalised, left=left, right=right)
        yield Hit(
            spans=(left, (start, end), right),
            message=message(
                gettext_noop(
                    "This asks about “{first}” and “{second}” at once; someone who rates them differently cannot "
                    "answer. Ask about each separately."
                ),
                first=ctx.text.normalised[left[0] : left[1]],
                second=ctx.text.normalised[right[0] : right[1]],
            ),
            suggestion=Suggestion(questions=(first, second)),
        )
        return


@rule(
    id="double_barreled_two_questions",
    category=Category.DOUBLE_BARRELED,
    severity=Severity.WARNING,
    summary=gettext_noop("Two questions (“… and if so, how often?”) share one answer."),
)
def check_two_questions(ctx: QuestionContext) -> Iterator[Hit]:
    if ctx.type in OPEN_TYPES:
        return
    match = _TWO_PART.search(ctx.text)
    asking = [s for s in ctx.sentences if "?" in ctx.m[s[0] : s[1]]]
    if match is not None:
        yield _hit(
            ctx,
            [(match.start(), match.end())],
            gettext_noop("This is two questions in one (“{part}”); ask the follow-up as its own question."),
            part=ctx.text.normalised[match.start() : match.end()],
        )
    elif len(asking) >= 2:
        parts = tuple(ctx.text.normalised[s:e].strip() for s, e in asking)
        yield Hit(
            spans=tuple(asking),
            message=message(
                gettext_noop("This holds {count} questions but takes one answer; ask them one at a time."),
                count=len(asking),
            ),
            suggestion=Suggestion(questions=parts),
        )


def _adjacent_words(ctx: QuestionContext, start: int, end: int) -> tuple[tuple[int, int], tuple[int, int]] | None:
    before = list(WORD_PATTERN.finditer(ctx.m, max(0, start - 40), start))
    after = WORD_PATTERN.search(ctx.m, end)
    if not before or after is None:
        return None
    left_word, right_word = before[-1], after
    # Two-syllable Vietnamese adjectives ("thân thiện", "dễ sử dụng"): try the longest phrase that fits.
    for count in (3, 2, 1):
        if len(before) >= count and lexicon.PAIRED_ADJECTIVES.fullmatch_span(
            ctx.text, (before[-count].start(), before[-1].end())
        ):
            left_word = before[-count]
            break
    right_end = right_word.end()
    following = list(WORD_PATTERN.finditer(ctx.m, end, min(len(ctx.m), end + 40)))[:3]
    for count in (3, 2, 1):
        if len(following) >= count and lexicon.PAIRED_ADJECTIVES.fullmatch_span(
            ctx.text, (following[0].start(), following[count - 1].end())
        ):
            right_end = following[count - 1].end()
            break
    return (left_word.start(), before[-1].end()), (right_word.start(), right_end)


def _is_adjective(ctx: QuestionContext, span: tuple[int, int]) -> bool:
    return lexicon.PAIRED_ADJECTIVES.fullmatch_span(ctx.text, span)


_EVERY_THING = Pattern(r"\b(?:every|mọi)\s+(?!one\b|body\b|thing\b|người\b)\w+", folded_source=r"\bevery\s+\w+")


@rule(
    id="absolute_word",
    category=Category.ABSOLUTE,
    severity=Severity.WARNING,
    summary=gettext_noop("“Always”, “never”, “luôn luôn”, “không bao giờ” force an all-or-nothing answer."),
)
def check_absolutes(ctx: QuestionContext) -> Iterator[Hit]:
    spans = []
    social = [(m.start(), m.end()) for m in lexicon.SOCIAL_PROOF.finditer(ctx.text)]
    for match in lexicon.ABSOLUTES.finditer(ctx.text):
        start, end = match.start(), match.end()
        word = fold(match.group(0))
        if _in_read_out_scale(ctx, start, end) or any(s <= start < e for s, e in social):
            continue
        before = ctx.text.folded[max(0, start - 12) : start]
        after = ctx.text.folded[end : end + 8]
        if word == "luon" and (re.search(r"\bngay\s*$", before) or after.startswith((" tien", " the"))):
            continue
        if word in ("everyone", "everybody", "everything") and re.search(r"\b(?:including|counting|of)\s*$", before):
            continue
        if word in ("never", "khong bao gio", "chua bao gio") and re.search(r"\b(?:or|hay|hoac)\s*$", before):
            continue
        if word == "moi lan" and not ctx.is_yes_no:
            continue
        spans.append((start, end))
    if ctx.is_yes_no:
        spans += [(m.start(), m.end()) for m in lexicon.EVERY_PERIOD.finditer(ctx.text)]
        spans += [
            (m.start(), m.end())
            for m in _EVERY_THING.finditer(ctx.text)
            if not any(s <= m.start() < e for s, e in spans)
        ]
    if not spans:
        return
    yield _hit(
        ctx,
        sorted(spans),
        gettext_noop(
            "“{word}” allows no exceptions, so almost anyone must answer “no” or stretch the truth. "
            "Ask how often instead."
        ),
        word=ctx.text.normalised[spans[0][0] : spans[0][1]],
    )


_EN_NEGATION = re.compile(
    r"\b(?:not|no|never|none|nobody|nothing|neither|nor|cannot)\b|n't\b|\b(?:un|in|im|dis|non)-?(?:likely|able|"
    r"acceptable|satisfied|happy|common|usual|fair|reasonable|reliable|safe|necessary|important|possible|agree|"
    r"approve|allow|allowed|like|legal|responsible|convenient)\b|\b(?:oppose|opposed|against|ban|banning|prohibit"
    r"|prohibiting|forbid|forbidding|reject|refuse|fail|failed|disagree|disapprove|lack|without|stop|stopping)\b"
)
_VI_NEGATION = Pattern(
    r"\b(?:không|chẳng|chưa|chả|đừng|cấm|ngăn cấm|phản đối|bác bỏ|từ chối|thiếu|bãi bỏ|loại bỏ|ngừng|hủy bỏ)\b",
    folded_source=r"\b(?:không|chưa|ngăn cấm|phản đối|bác bỏ|từ chối|bãi bỏ|loại bỏ|hủy bỏ)\b",
)
_VI_NOT_NEGATION = Pattern(
    r"\b(?:không gian|không khí|hàng không|không dây|không chỉ|không những|không ngừng|chưa bao giờ|chưa từng"
    r"|không bao giờ|chẳng hạn|cấm vận|không thể thiếu)\b"
)
_VI_FINAL_PARTICLE = Pattern(r"\b(?:không|chưa)(?:\s+(?:ạ|vậy|nhỉ))?\s*[?.!]*\s*$|\b(?:không|chưa)(?=\s*\?)")
_CLAUSE = re.compile(r"[^,;.?!]+")


@rule(
    id="double_negative",
    category=Category.DOUBLE_NEGATIVE,
    severity=Severity.WARNING,
    summary=gettext_noop("Two negatives in one clause make respondents answer the opposite of what they mean."),
)
def check_double_negative(ctx: QuestionContext) -> Iterator[Hit]:
    blank = " "
    masked = ctx.m
    for match in lexicon.BALANCED_ALTERNATIVES.finditer(ctx.text):
        masked = masked[: match.start()] + blank * (match.end() - match.start()) + masked[match.end() :]
    if ctx.lang == "vi":
        for helper in (_VI_FINAL_PARTICLE, _VI_NOT_NEGATION):
            masked = helper.on(ctx.text).sub(lambda m: blank * len(m.group(0)), masked)
        pattern = _VI_NEGATION.on(ctx.text)
    else:
        masked = re.sub(
            r"\b(?:don't know|do not know|not at all|not sure)\b", lambda m: blank * len(m.group(0)), masked
        )
        pattern = _EN_NEGATION
    for clause in _CLAUSE.finditer(masked):
        negations = list(pattern.finditer(masked, clause.start(), clause.end()))
        spans = [(m.start(), m.end()) for m in negations]
        if len(spans) >= 2:
            yield _hit(
                ctx,
                spans[:2],
                gettext_noop(
                    "“{first}” and “{second}” negate each other; respondents lose track of what “yes” means. "
                    "Say it positively."
                ),
                first=ctx.text.normalised[spans[0][0] : spans[0][1]],
                second=ctx.text.normalised[spans[1][0] : spans[1][1]],
            )
            return


# Verbs of benefit: asking how much something did them presupposes that it did.
_POSITIVE_EFFECT = (
    r"improved?|helped?|help|benefit(?:ed)?|enhanced?|transformed?|simplif(?:y|ied)|boost(?:ed)?|sav(?:e|ed)|"
    r"streamlined?|eased?|sped up|speed up|made [\w ]{1,20} (?:easier|better|simpler|faster)"
)
_EN_ASSUMPTIVE = re.compile(
    r"\bhow much (?:did|do|have) you (?:enjoy|enjoyed|love|loved|like|liked|appreciate|appreciated|benefit)"
    r"|\bwhat (?:did|do) you (?:love|enjoy|appreciate)\b"
    r"|\bwhen did you (?:first )?(?:stop|quit|give up)\b"
    r"|\bwhy (?:do|did) you (?:prefer|like|love|enjoy|trust)\b"
    rf"|\bhow (?:much )?(?:has|have|did) [\w' ]{{1,40}}? (?:{_POSITIVE_EFFECT})\b"
    rf"|\bin what ways? (?:has|have|did) [\w' ]{{1,40}}? (?:{_POSITIVE_EFFECT})\b"
    r"|\bas an? (?:loyal|valued|regular|satisfied|happy|long-time|longtime) (?:customer|user|member|client|guest)\b"
    r"|\b(?:since|now that|given that) you (?:love|enjoy|like|prefer|trust|rely on)\b"
    r"|\bwhat is your favou?rite (?:thing|part|feature) about\b"
)
_YOU = r"(?:bạn|anh/chị|anh chị|quý khách|chị|anh)"
_VI_ASSUMPTIVE = Pattern(
    r"\b(?:thích|yêu thích|tận hưởng)\b[^?.,]{0,40}?\b(?:đến mức nào|nhiều như thế nào|nhiều đến đâu|bao nhiêu)"
    rf"|\b(?:đã )?giúp (?:ích )?(?:cho )?(?:{_YOU}|doanh nghiệp|công việc)\b[^?.]{{0,40}}?"
    r"\b(?:như thế nào|ra sao|thế nào|bao nhiêu|những gì|điều gì)"
    r"|\b(?:đã )?(?:cải thiện|nâng cao|thay đổi tích cực|đơn giản hóa|tiết kiệm)\b[^?.]{0,40}?"
    r"\b(?:như thế nào|ra sao|bao nhiêu|thế nào)"
    rf"|\bkhi nào {_YOU} (?:đã )?(?:ngừng|bỏ|thôi)\b"
    rf"|\b(?:tại sao|vì sao) {_YOU} (?:lại )?(?:thích|yêu thích|ưa chuộng|tin tưởng) .{{1,40}}\bhơn\b"
    r"|\b(?:là|vì là|với tư cách là) (?:một )?khách hàng (?:thân thiết|trung thành|lâu năm|quen thuộc)\b"
    rf"|\b(?:vì|do) {_YOU} (?:yêu thích|thích|tin tưởng|tin dùng)\b"
    rf"|\bđiều (?:gì|nào) (?:khiến|làm) {_YOU} (?:yêu thích|thích|hài lòng|ấn tượng)\b"
    rf"|\b{_YOU} (?:yêu|tận hưởng) (?:điều gì|điểm gì|nhất)\b"
)


@rule(
    id="assumptive_presupposition",
    category=Category.ASSUMPTIVE,
    severity=Severity.WARNING,
    summary=gettext_noop("The question takes for granted a feeling or experience the respondent may not have."),
)
def check_assumptive(ctx: QuestionContext) -> Iterator[Hit]:
    match = _VI_ASSUMPTIVE.search(ctx.text) if ctx.lang == "vi" else _EN_ASSUMPTIVE.search(ctx.m)
    if match is None:
        return
    if ctx.options and _has_both_poles(ctx):
        return
    yield _hit(
        ctx,
        [(match.start(), match.end())],
        gettext_noop(
            "“{phrase}” assumes the respondent already feels or did this; those who do not cannot answer truthfully. "
            "Ask first whether it applies, or use a balanced scale."
        ),
        phrase=ctx.text.normalised[match.start() : match.end()],
    )


def _has_both_poles(ctx: QuestionContext) -> bool:
    polarities = {option_polarity(option) for option in ctx.options}
    return (1 in polarities and -1 in polarities) or any(
        re.search(r"\b(?:not at all|none|khong he|hoan toan khong|khong)\b", f) for f in ctx.option_folds
    )


_ACRONYM = re.compile(r"(?<![\w.])(?:[A-ZĐ][A-Z0-9Đ&]{1,6}|[A-Z][a-z]?[A-Z][A-Za-z]{0,4})s?(?![\w])")
_BRAND_CUES = Pattern(
    r"\b(?:brand|bank|company|store|shop|app|network|carrier|thương hiệu|ngân hàng|công ty|cửa hàng|hãng|ứng dụng"
    r"|nhà mạng|sàn)\b"
)


def _is_glossed(ctx: QuestionContext, start: int, end: int) -> bool:
    after = ctx.m[end : end + 30]
    before = ctx.m[max(0, start - 40) : start]
    if re.match(r"\s*[(\[–—:]", after) or re.search(r"[(\[]\s*$", before):
        return True
    gloss = lexicon.GLOSS_MARKERS.pattern_for(ctx.text)
    return bool(re.match(rf"\s*,?\s*(?:{gloss.pattern})", after)) or bool(
        re.search(r"(?:also called|known as|còn gọi là|gọi là|gọi tắt là|viết tắt là|abbreviated)\s*$", before)
    )


@rule(
    id="jargon_acronym",
    category=Category.JARGON,
    severity=Severity.INFO,
    summary=gettext_noop("An unexplained acronym leaves respondents guessing what is asked."),
)
def check_acronyms(ctx: QuestionContext) -> Iterator[Hit]:
    text = ctx.text.normalised
    if sum(c.isupper() for c in text) > 0.5 * max(1, sum(c.isalpha() for c in text)):
        return
    brandish = _BRAND_CUES.search(ctx.text) is not None or any(_ACRONYM.search(o.normalised) for o in ctx.options)
    for match in _ACRONYM.finditer(text):
        word = match.group(0)
        core = word[:-1] if word.endswith("s") and word[:-1].isupper() else word
        if core in lexicon.COMMON_ACRONYMS or word in lexicon.COMMON_ACRONYMS:
            continue
        known_jargon = core in lexicon.JARGON_ACRONYMS or word in lexicon.JARGON_ACRONYMS
        if not known_jargon and (brandish or not core.isupper() or len(core) < 3):
            continue
        if _is_glossed(ctx, match.start(), match.end()):
            continue
        yield _hit(
            ctx,
            [(match.start(), match.end())],
            gettext_noop("Not every respondent knows what “{acronym}” stands for; spell it out or explain it."),
            acronym=word,
        )
        return


@rule(
    id="jargon_term",
    category=Category.JARGON,
    severity=Severity.INFO,
    summary=gettext_noop("A technical term without an explanation is read differently by different people."),
)
def check_jargon_terms(ctx: QuestionContext) -> Iterator[Hit]:
    for match in lexicon.JARGON_TERMS.finditer(ctx.text):
        if _is_glossed(ctx, match.start(), match.end()) or ctx.in_parentheses(match.start()):
            continue
        yield _hit(
            ctx,
            [(match.start(), match.end())],
            gettext_noop(
                "“{term}” is specialist vocabulary; respondents who do not know it guess. "
                "Use everyday words or add a short explanation in brackets."
            ),
            term=ctx.text.normalised[match.start() : match.end()],
        )
        return


_HOW_OFTEN = Pattern(
    r"\bhow (?:often|frequently|regularly)\b|\bbao lâu\b|\btần suất\b|\bmức độ thường xuyên\b|\bthường xuyên"
    r" (?:như thế nào|thế nào|ra sao|đến mức nào|ở mức nào)\b|\bmost recent(?:ly)?\b|\bgần đây nhất\b|\blần gần đây\b"
)
_CO_BEFORE = Pattern(r"\bcó\s*$")
_FINAL = Pattern(r"\s*(?:không|chưa|\?)")


@rule(
    id="vague_quantifier",
    category=Category.VAGUE,
    severity=Severity.INFO,
    summary=gettext_noop("“Often”, “recently”, “thường xuyên”, “gần đây” mean different amounts to different people."),
)
def check_vague(ctx: QuestionContext) -> Iterator[Hit]:
    if _HOW_OFTEN.search(ctx.text):
        return
    spans = []
    if not ctx.has_reference_period:
        for match in lexicon.VAGUE_RECENCY.finditer(ctx.text):
            if not ctx.in_parentheses(match.start()) and not re.match(r"\s*\(", ctx.m[match.end() :]):
                spans.append((match.start(), match.end()))
    frequency_answerable = bool(ctx.options) and not ctx.has_yes_no_options
    if ctx.is_yes_no and not frequency_answerable:
        for match in lexicon.VAGUE_FREQUENCY.finditer(ctx.text):
            word = fold(match.group(0))
            after_co = _CO_BEFORE.search(ctx.text, max(0, match.start() - 6), match.start()) is not None
            if word in ("hay", "nhieu", "thuong", "much") and not (
                after_co or (word in ("nhieu", "much") and _is_final_vague(ctx, match.end()))
            ):
                continue
            if _in_read_out_scale(ctx, match.start(), match.end()) or re.match(r"\s*\(", ctx.m[match.end() :]):
                continue
            spans.append((match.start(), match.end()))
    if spans:
        yield _hit(
            ctx,
            sorted(spans),
            gettext_noop(
                "“{word}” means different amounts to different people, so answers cannot be compared. "
                "Name a period or a number (e.g. “in the past 30 days”, “at least once a week”)."
            ),
            word=ctx.text.normalised[spans[0][0] : spans[0][1]],
        )


def _is_final_vague(ctx: QuestionContext, end: int) -> bool:
    return _FINAL.match(ctx.text, end) is not None


_EN_AGREE = re.compile(r"\b(?:do|would|will|don't) you (?:\w+ )?agree\b|\bis it (?:true|fair to say) that\b")
_VI_AGREE = Pattern(r"\bcó (?:(?!không\b)\w+ )?(?:đồng ý|tán thành|nhất trí)\b")


def _agree_match(ctx: QuestionContext) -> re.Match[str] | None:
    return _VI_AGREE.search(ctx.text) if ctx.lang == "vi" else _EN_AGREE.search(ctx.m)


@rule(
    id="acquiescence_one_sided_agree",
    category=Category.ACQUIESCENCE,
    severity=Severity.WARNING,
    summary=gettext_noop("Asking only whether people agree invites “yes” from those who have no firm view."),
)
def check_acquiescence(ctx: QuestionContext) -> Iterator[Hit]:
    match = _agree_match(ctx)
    if match is None or lexicon.BALANCED_ALTERNATIVES.search(ctx.text) is not None:
        return
    if ctx.lang == "en" and re.search(r"\bdon't you\b|\bdo not you\b", match.group(0)):
        return
    if ctx.options and not ctx.has_yes_no_options and _has_both_poles(ctx):
        return
    rewrite = neutral_rewrite(ctx.text.normalised, lang=ctx.lang)
    yield Hit(
        spans=((match.start(), match.end()),),
        message=message(
            gettext_noop(
                "Asking only whether respondents agree invites agreement from those with no firm view "
                "(acquiescence). Offer both directions, or ask about the issue itself."
            )
        ),
        suggestion=Suggestion(questions=(rewrite,)) if rewrite else None,
    )


@rule(
    id="yes_no_closed_evaluation",
    category=Category.YES_NO_CLOSED,
    severity=Severity.INFO,
    summary=gettext_noop("A yes/no question about a judgement loses how strongly people feel."),
)
def check_yes_no_evaluation(ctx: QuestionContext) -> Iterator[Hit]:
    if not ctx.is_yes_no or (ctx.options and not ctx.has_yes_no_options):
        return
    start, end = ctx.question_sentence
    match = lexicon.YES_NO_EVALUATIONS.search(ctx.text, start, end)
    if match is None or _agree_match(ctx):
        return
    rewrite = neutral_rewrite(ctx.text.normalised, lang=ctx.lang, remove=_praise_spans(ctx))
    yield Hit(
        spans=((match.start(), match.end()),),
        message=message(
            gettext_noop(
                "A yes/no answer to a judgement hides how strongly people feel and why. "
                "Use a rating scale or an open question."
            )
        ),
        suggestion=Suggestion(questions=(rewrite,)) if rewrite else None,
    )


def _praise_spans(ctx: QuestionContext) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in lexicon.STRONG_PRAISE.finditer(ctx.text)]


LONG_QUESTION_WORDS = {"en": 30, "vi": 40}
# Context sentences ("Some people say …") and read-out answer lists are allowed more room than the question.
LONG_TEXT_WORDS = {"en": 60, "vi": 80}
_READ_OUT_TAIL = re.compile(r"\s*(?:[—–:]|--| - )[^—–:]*(?:,[^,]*){1,}\b(?:or|hay|hoặc|hoac)\b[^?]*\?\s*$")


@rule(
    id="too_long_question",
    category=Category.TOO_LONG,
    severity=Severity.INFO,
    summary=gettext_noop("A long question is skimmed; respondents answer the part they happened to read."),
)
def check_length(ctx: QuestionContext) -> Iterator[Hit]:
    limit = LONG_QUESTION_WORDS.get(ctx.lang, 30)
    start, end = ctx.question_sentence
    asking = ctx.m[start:end]
    tail = _READ_OUT_TAIL.search(asking)
    if tail is not None:
        asking = asking[: tail.start()]
    asking_words = len(WORD_PATTERN.findall(asking))
    if asking_words <= limit and ctx.word_count <= LONG_TEXT_WORDS.get(ctx.lang, 60):
        return
    yield Hit(
        spans=((0, len(ctx.text.normalised)),),
        message=message(
            gettext_noop(
                "This question has {count} words; above about {limit}, respondents skim and miss conditions. "
                "Shorten it or move background into a separate sentence."
            ),
            count=ctx.word_count,
            limit=limit,
        ),
    )
