"""What the rules know about one question: prepared text, its form, its options and its topic."""

import re
from functools import cached_property

from surveys.core.linter import lexicon
from surveys.core.linter.findings import QuestionInput
from surveys.core.linter.numbers import Band, Quantity, parse_band
from surveys.core.linter.text import WORD_PATTERN, Pattern, PreparedText, detect_language, prepare

_SENTENCE = re.compile(r"[^.?!;\n]+[.?!;\n]*")
_EN_AUXILIARY = re.compile(
    r"(?:^|[,:]\s*)(?:do|does|did|are|is|was|were|have|has|had|will|would|could|can|should|shall|may|might|am)"
    r"\s+(?!not\b)[a-z]"
)
_EN_WH = re.compile(r"^\s*(?:how|what|which|why|where|when|who|whom|whose|to what extent|in what)\b")
_VI_YES_NO_END = Pattern(r"(?:\bkhông|\bchưa|\bko)(?:\s+(?:ạ|vậy|nhỉ|nhé))?\s*[?.!]*\s*$")
_VI_WH = Pattern(
    r"\b(?:như thế nào|thế nào|ra sao|bao nhiêu|bao lâu|bao giờ|ở đâu|tại sao|vì sao|mức nào|mức độ nào|khi nào)\b"
)
YES_NO_OPTIONS = frozenset(
    (
        *["yes", "no", "có", "không", "chưa", "rồi", "đã", "maybe", "unsure", "co", "khong", "chua", "roi", "da"],
        "not sure",
        "don't know",
        "do not know",
        "không biết",
        "không chắc",
        "có thể",
        "chưa biết",
        "không nhớ",
    )
)
_VI_TAG_END = Pattern(r"\b(?:phải không|đúng không|phải chứ|đúng chứ)(?:\s+ạ)?\s*[?.!]*\s*$")
_TIME_UNITS = r"(?:day|days|week|weeks|month|months|year|years|hours?|ngày|tuần|tháng|năm|giờ|lần)"
REFERENCE_PERIOD = Pattern(
    rf"\d+\s*{_TIME_UNITS}\b|\b(?:past|last|this|qua|vừa qua|trước|này)\s+(?:\d+\s+)?{_TIME_UNITS}\b"
    rf"|\b{_TIME_UNITS}\s+(?:qua|vừa qua|trước|này|nay)\b|\b(?:yesterday|today|tonight|hôm qua|hôm nay|năm nay)\b"
)


class QuestionContext:
    """A question prepared once and shared by every rule that looks at it."""

    def __init__(self, question: QuestionInput, *, lang: str | None = None) -> None:
        self.question = question
        self.lang = question.lang or lang or detect_language(question.text + " " + " ".join(question.options))
        self.text: PreparedText = prepare(question.text, lang=self.lang)
        self.options: tuple[PreparedText, ...] = tuple(prepare(option, lang=self.lang) for option in question.options)
        self.type = question.type

    @property
    def m(self) -> str:
        return self.text.match

    @property
    def f(self) -> str:
        return self.text.folded

    @cached_property
    def sentences(self) -> tuple[tuple[int, int], ...]:
        spans = tuple((m.start(), m.end()) for m in _SENTENCE.finditer(self.f) if m.group(0).strip())
        return spans or ((0, len(self.f)),)

    @cached_property
    def question_sentence(self) -> tuple[int, int]:
        """Return the span of the sentence that asks (the last one with "?", else the last one)."""
        asking = [span for span in self.sentences if "?" in self.f[span[0] : span[1]]]
        return asking[-1] if asking else self.sentences[-1]

    @cached_property
    def word_count(self) -> int:
        return len(WORD_PATTERN.findall(self.text.normalised))

    @cached_property
    def is_yes_no(self) -> bool:
        """Return whether the asking sentence is a closed yes/no question."""
        start, end = self.question_sentence
        if self.lang == "vi":
            # A tag ("…, phải không?") asks for confirmation; the tag rule covers it, not the yes/no one.
            return (
                bool(_VI_YES_NO_END.search(self.text, start, end))
                and not _VI_WH.search(self.text, start, end)
                and not _VI_TAG_END.search(self.text, start, end)
            )
        sentence = self.m[start:end].strip()
        if _EN_WH.search(sentence) or not _EN_AUXILIARY.search(sentence):
            return False
        without_balanced = lexicon.BALANCED_ALTERNATIVES.pattern_for(self.text).sub(" ", sentence)
        return not re.search(r"\bor\b", without_balanced)

    @cached_property
    def option_folds(self) -> tuple[str, ...]:
        return tuple(" ".join(re.findall(r"[^\W_]+|\+", option.folded)) for option in self.options)

    @cached_property
    def has_yes_no_options(self) -> bool:
        if not self.options:
            return False
        return all(
            lexicon.OPT_OUT_OPTIONS.fullmatch(o) or label in YES_NO_OPTIONS or label == ""
            for o, label in zip(self.options, self.option_lowered, strict=True)
        )

    @cached_property
    def option_lowered(self) -> tuple[str, ...]:
        return tuple(o.match.strip(" .!?") for o in self.options)

    @cached_property
    def special_options(self) -> frozenset[int]:
        """Return the indexes of "other", "none", "don't know" and opt-out options."""
        return frozenset(
            index
            for index, option in enumerate(self.options)
            if (lexicon.OTHER_OPTIONS.search(option) is not None and len(option.match.split()) <= 6)
            or lexicon.OPT_OUT_OPTIONS.search(option) is not None
        )

    @cached_property
    def bands(self) -> tuple[tuple[int, Band], ...]:
        """Return the numeric bands among the options, all read as one kind of quantity."""
        parsed = [
            (index, parse_band(option.normalised, context=self.text.normalised))
            for index, option in enumerate(self.options)
            if index not in self.special_options
        ]
        found = [(index, band) for index, band in parsed if band is not None]
        if not found:
            return ()
        kinds = {band.quantity for _, band in found} - {Quantity.COUNT}
        if len(kinds) == 1:
            kind = kinds.pop()
            found = [(index, _with_quantity(band, kind)) for index, band in found]
        return tuple(found)

    @cached_property
    def topics(self) -> frozenset[str]:
        """Return the sensitive topics the question asks about: income, age, private."""
        role = (self.question.role or "").split(":")[-1]
        topics = {name for name, words in lexicon.OPT_OUT_TOPICS.items() if words.search(self.text) is not None}
        if role in ("income", "age"):
            topics.add(role)
        return frozenset(topics)

    @cached_property
    def has_reference_period(self) -> bool:
        return REFERENCE_PERIOD.search(self.text) is not None

    def in_parentheses(self, position: int) -> bool:
        """Return whether ``position`` lies inside a parenthesised aside."""
        before = self.m[:position]
        return before.rfind("(") > before.rfind(")")


def _with_quantity(band: Band, quantity: Quantity) -> Band:
    return Band(band.low, band.high, band.low_inclusive, band.high_inclusive, quantity, band.is_range, band.step)
