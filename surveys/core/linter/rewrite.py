"""Neutral rewrites: drop evaluative words, turn yes/no judgements into scaled questions, split pairs.

Patterns are written without diacritics and run on the folded text, which lines up character for
character with the NFC text, so the pieces kept are sliced from what the researcher typed.
"""

import re

from surveys.core.linter.text import fold

_INTENSIFIERS_BEFORE = re.compile(
    r"(?:\b(?:very|really|so|truly|extremely|incredibly|super|such an?|rat|cuc ky|vo cung|sieu|that su|qua)\s+)+$"
)
_SUBJECT = r"(?P<subj>ban|anh/chi|anh chi|quy khach|quy vi|chi|anh|em)"
_YES_NO_END = r"\s+(?:khong|chua)(?:\s+a)?\s*\??\s*$"

_EN_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"^(?:don't|do not|wouldn't|would not) you (?:agree|think|feel|say)(?: that)? (?P<stmt>.+?)\s*\?$"),
        "To what extent do you agree or disagree that {stmt}?",
    ),
    (
        re.compile(r"^(?:isn't|is not|wasn't) it (?:true|the case|fair to say) that (?P<stmt>.+?)\s*\?$"),
        "To what extent do you agree or disagree that {stmt}?",
    ),
    (
        re.compile(r"^(?:do|would) you (?:agree|think|feel|believe) that (?P<stmt>.+?)\s*\?$"),
        "To what extent do you agree or disagree that {stmt}?",
    ),
    (
        re.compile(r"^(?:do|would) you agree with (?P<stmt>.+?)\s*\?$"),
        "To what extent do you agree or disagree with {stmt}?",
    ),
    (
        re.compile(
            r"^(?P<stmt>.+?),\s*(?:isn't it|aren't they|don't you|doesn't it|wasn't it|weren't they|right|correct"
            r"|wouldn't you say|don't you think|didn't it|isn't that so|no)\s*\?$"
        ),
        "To what extent do you agree or disagree that {stmt}?",
    ),
    (
        re.compile(r"^(?:do|did) you (?:really |honestly )?(?:like|love|enjoy) (?P<obj>.+?)\s*\?$"),
        "How would you rate {obj}?",
    ),
    (
        re.compile(r"^(?:are|were) you (?:\w+ )?(?:satisfied|happy|pleased|content) with (?P<obj>.+?)\s*\?$"),
        "How satisfied or dissatisfied are you with {obj}?",
    ),
    (
        re.compile(r"^(?:would|will|do) you recommend (?P<obj>.+?) to (?P<who>.+?)\s*\?$"),
        "On a scale from 0 to 10, how likely are you to recommend {obj} to {who}?",
    ),
    (
        re.compile(
            r"^(?:is|was|are|were) (?P<obj>(?:the|our|your|this|these|its|their) .+?) (?:really )?"
            r"(?:good|easy to use|easy|useful|helpful|worth it|worth the money|fair|reasonable|clear|enjoyable)\s*\?$"
        ),
        "How would you rate {obj}?",
    ),
)
_VI_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"^(?:chang phai|khong phai|chang le)\s+(?:la\s+)?(?P<stmt>.+?)\s+(?:sao|a|hay sao|u)\s*\??\s*$"),
        "Bạn đồng ý hay không đồng ý ở mức độ nào rằng {stmt}?",
    ),
    (
        re.compile(
            r"^(?P<stmt>.+?),?\s+(?:phai khong|dung khong|dung chu|phai chu|nhi|chu|phai chang)(?:\s+a)?\s*\??\s*$"
        ),
        "Bạn đồng ý hay không đồng ý ở mức độ nào rằng {stmt}?",
    ),
    (
        re.compile(rf"^{_SUBJECT}\s+co\s+(?:dong y|tan thanh|nhat tri)\s+(?:rang|la)\s+(?P<stmt>.+?){_YES_NO_END}"),
        "{Subj} đồng ý hay không đồng ý ở mức độ nào rằng {stmt}?",
    ),
    (
        re.compile(rf"^{_SUBJECT}\s+co\s+(?:dong y|tan thanh|nhat tri)\s+voi\s+(?P<stmt>.+?){_YES_NO_END}"),
        "{Subj} đồng ý hay không đồng ý ở mức độ nào với {stmt}?",
    ),
    (
        re.compile(
            rf"^{_SUBJECT}\s+co\s+(?:that su |thuc su |that )?(?:thich|yeu thich|ung y voi|ung)\s+(?P<obj>.+?)"
            rf"{_YES_NO_END}"
        ),
        "{Subj} đánh giá như thế nào về {obj}?",
    ),
    (
        re.compile(rf"^{_SUBJECT}\s+co\s+(?:cam thay |thay )?hai long\s+(?:voi|ve)\s+(?P<obj>.+?){_YES_NO_END}"),
        "{Subj} hài lòng ở mức độ nào với {obj}?",
    ),
    (
        re.compile(
            rf"^{_SUBJECT}\s+co\s+(?:san sang |muon |se )?gioi thieu\s+(?P<obj>.+?)\s+(?:cho|voi)\s+(?P<who>.+?)"
            rf"{_YES_NO_END}"
        ),
        "Trên thang điểm từ 0 đến 10, khả năng {subj} giới thiệu {obj} cho {who} là bao nhiêu?",
    ),
    (
        re.compile(
            r"^(?:theo ban,?\s+)?(?P<obj>.+?)\s+co\s+(?:that su |thuc su )?(?:tot|de su dung|de dung|huu ich|tien loi"
            rf"|hop ly|on|dang tien|xung dang){_YES_NO_END}"
        ),
        "Bạn đánh giá như thế nào về {obj}?",
    ),
)


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[1].isupper():
        return text  # an acronym or a proper name: keep as typed
    return text[:1].lower() + text[1:]


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def tidy(text: str) -> str:
    """Collapse the spaces and dangling punctuation left behind by removing words."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,?.!;:])", r"\1", text)
    text = re.sub(r",\s*([?.!])", r"\1", text)
    text = re.sub(r"\(\s*\)", "", text)
    text = re.sub(r"\b(and|or|và|hoặc)\s+(?=[?,.])", "", text)
    return _upper_first(text.strip())


def remove_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """Return ``text`` without ``spans`` and the intensifiers ("very", "rất") directly before them."""
    folded = fold(text)
    pieces: list[str] = []
    cursor = 0
    for start, end in sorted(spans):
        if start < cursor:
            continue
        before = _INTENSIFIERS_BEFORE.search(folded[cursor:start])
        cut = cursor + before.start() if before else start
        pieces.append(text[cursor:cut])
        cursor = end
    pieces.append(text[cursor:])
    joined = "".join(pieces)
    # "our amazing and friendly staff" → "our staff": a conjunction left between two removed words goes too.
    joined = re.sub(r"\s+(?:and|và|,)\s+(?=\s|$)", " ", joined)
    joined = re.sub(r"\b(?:a|an)\s+(?=(?:and|,)\b)", "", joined)
    return tidy(joined)


def scaled_rewrite(text: str, *, lang: str) -> str | None:
    """Rewrite a yes/no judgement or agreement question as a balanced, scaled one; None if no pattern fits."""
    text = tidy(text)
    folded = fold(text)
    patterns = _VI_PATTERNS if lang == "vi" else _EN_PATTERNS
    for pattern, template in patterns:
        match = pattern.match(folded)
        if match is None:
            continue
        values = {name: text[match.start(name) : match.end(name)] for name in match.groupdict()}
        if "stmt" in values:
            values["stmt"] = _lower_first(values["stmt"].rstrip(" ,"))
        if "obj" in values:
            values["obj"] = _lower_first(values["obj"])
        if "subj" in values:
            values["Subj"] = _upper_first(values["subj"])
            values["subj"] = _lower_first(values["subj"])
        return tidy(template.format(**values))
    return None


def neutral_rewrite(text: str, *, lang: str, remove: list[tuple[int, int]] = ()) -> str | None:
    """Return ``text`` without the ``remove`` spans and in a scaled form where a pattern fits."""
    stripped = remove_spans(text, list(remove)) if remove else tidy(text)
    rewritten = scaled_rewrite(stripped, lang=lang)
    if rewritten is not None:
        return rewritten
    return stripped if stripped != tidy(text) else None


def split_pair(text: str, *, left: tuple[int, int], right: tuple[int, int]) -> tuple[str, str]:
    """Return the two questions ``text`` becomes when the ``left`` and ``right`` conjuncts are asked apart."""
    prefix, suffix = text[: left[0]], text[right[1] :]
    return (tidy(prefix + text[left[0] : left[1]] + suffix), tidy(prefix + text[right[0] : right[1]] + suffix))
