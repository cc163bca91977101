"""Which language an answer is written in: Vietnamese or English, with the shares of each.

Rules, in order: a word with a letter only Vietnamese writes (ư, ơ, đ, ạ, …) counts as Vietnamese;
a word from the cue lists counts for its language (Vietnamese cues are folded so "giao hang nhanh"
typed without diacritics is caught); the answer's language is the larger share. When no word is
recognised, py3langid restricted to vi/en decides (offline model shipped inside the package).
``sentence_languages`` does the same per sentence, for answers that switch language ("Giao hàng
chậm. Customer service never replied").
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from analysis.core.open_text.normalization import VIETNAMESE_LETTERS, fold_accents, iter_words

LANGUAGES = ("vi", "en")

# Frequent Vietnamese syllables (folded) in shop reviews that are not English words.
VIETNAMESE_CUES = frozenset(
    [
        "khong",
        "ko",
        "k",
        "dc",
        "duoc",
        "hang",
        "giao",
        "nhanh",
        "cham",
        "qua",
        "rat",
        "nhung",
        "minh",
        "cua",
        "nay",
        "nhan",
        "vien",
        "san",
        "pham",
        "tot",
        "dep",
        "gia",
        "mua",
        "tien",
        "roi",
        "cung",
        "thi",
        "voi",
        "nhu",
        "chua",
        "lai",
        "biet",
        "nhieu",
        "hon",
        "thay",
        "nen",
        "khach",
        "dich",
        "vu",
        "chat",
        "luong",
        "tra",
        "doi",
        "phi",
        "ung",
        "thanh",
        "toan",
        "loi",
        "hoi",
        "lam",
        "lan",
        "dat",
        "don",
        "goi",
        "nhe",
        "mau",
        "sac",
        "vai",
        "cho",
        "hay",
        "dung",
        "kem",
        "ban",
        "shop",
        "ship",
        "tam",
        "duoc",
        "nhiet",
        "tinh",
        "tu",
        "van",
        "lien",
        "he",
        "tuan",
        "ngay",
        "bao",
        "gio",
        "luon",
        "cuc",
        "ky",
        "vui",
        "long",
        "chap",
        "nhan",
        "hai",
        "long",
        "ma",
        "moi",
        "nguoi",
        "ve",
        "sau",
        "truoc",
        "dang",
        "da",
        "se",
        "bi",
        "mat",
        "hong",
        "re",
        "dat",
        "xiu",
        "xiu",
        "sieu",
        "oi",
        "nhe",
        "nha",
        "ah",
        "a",
        "u",
        "nhi",
        "cam",
        "on",
        "het",
        "hop",
        "ly",
        "chuan",
        "giong",
        "hinh",
        "het",
        "han",
        "thiet",
        "ke",
        "nhin",
        "xin",
        "xau",
        "te",
        "do",
        "nhieu",
        "gui",
        "tre",
        "mai",
        "kho",
        "vay",
        "gi",
        "sao",
        "nao",
        "day",
        "tai",
        "khoan",
        "tre",
        "hen",
        "hoan",
        "hoan",
        "tien",
        "chinh",
        "sach",
        "kien",
        "nhan",
        "dien",
        "thoai",
        "dong",
        "thoi",
        "gian",
        "phan",
        "hoi",
        "tin",
        "nhan",
        "dang",
        "nhap",
        "cap",
        "nhat",
        "giam",
        "gia",
        "khuyen",
        "mai",
        "voucher",
        "ma",
        "giam",
        "bi",
        "loi",
    ]
) - {"do", "a", "u", "ma", "hay", "ban", "con", "hang", "tam", "dong", "mai", "sau"}

ENGLISH_CUES = frozenset(
    [
        *("please", "thanks", "thank", "keep", "it's", "i'm", "from", "at", "by", "if", "our", "all", "get", "got"),
        *("there", "here", "about", "work", "next", "maybe", "add", "any", "some", "because", "up", "out"),
        "the",
        "a",
        "an",
        "and",
        "or",
        "but",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "this",
        "that",
        "to",
        "of",
        "in",
        "on",
        "for",
        "with",
        "my",
        "your",
        "i",
        "we",
        "they",
        "you",
        "not",
        "no",
        "very",
        "so",
        "too",
        "really",
        "good",
        "bad",
        "great",
        "nice",
        "poor",
        "late",
        "slow",
        "fast",
        "quick",
        "price",
        "delivery",
        "product",
        "quality",
        "service",
        "staff",
        "app",
        "website",
        "payment",
        "refund",
        "return",
        "returned",
        "order",
        "ordered",
        "arrived",
        "package",
        "packaging",
        "shipping",
        "item",
        "items",
        "customer",
        "support",
        "easy",
        "hard",
        "would",
        "will",
        "could",
        "should",
        "have",
        "has",
        "had",
        "did",
        "do",
        "does",
        "just",
        "only",
        "also",
        "again",
        "always",
        "never",
        "still",
        "after",
        "before",
        "when",
        "what",
        "which",
        "who",
        "how",
        "because",
        "than",
        "more",
        "most",
        "less",
        "cheap",
        "expensive",
        "worth",
        "money",
        "time",
        "day",
        "days",
        "week",
        "weeks",
        "love",
        "loved",
        "like",
        "liked",
        "hate",
        "terrible",
        "awesome",
        "amazing",
        "excellent",
        "okay",
        "fine",
        "well",
        "happy",
        "disappointed",
        "broken",
        "damaged",
        "wrong",
        "size",
        "color",
        "colour",
        "card",
        "checkout",
        "account",
        "login",
        "crash",
        "crashes",
        "crashing",
        "helpful",
        "rude",
        "friendly",
    ]
)


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """The answer's language and the share of recognised words in each language."""

    lang: str  # "vi" or "en"
    vi_share: float
    en_share: float

    @property
    def is_mixed(self) -> bool:
        return min(self.vi_share, self.en_share) >= 0.2


@lru_cache(maxsize=1)
def _identifier():
    import py3langid.langid as langid_module

    identifier = langid_module.LanguageIdentifier.from_model_file(
        langid_module.MODEL_DIR / langid_module.MODEL_FILE, norm_probs=True
    )
    identifier.set_languages(list(LANGUAGES))
    return identifier


def word_counts(text: str) -> tuple[int, int]:
    """How many words of ``text`` are recognisably Vietnamese and English (letters, then cue words)."""
    vi = en = 0
    for word in iter_words(text.lower()):
        if any(c in VIETNAMESE_LETTERS for c in word):
            vi += 1
            continue
        folded = fold_accents(word)
        is_vi_cue = folded in VIETNAMESE_CUES
        is_en_cue = folded in ENGLISH_CUES
        if is_vi_cue and not is_en_cue:
            vi += 1
        elif is_en_cue and not is_vi_cue:
            en += 1
    return vi, en


def detect_language(text: str) -> LanguageGuess:
    """Return the language of ``text`` ("vi" or "en") with the shares of words in each."""
    vi, en = word_counts(text)
    if vi + en == 0 or vi == en:
        label, probability = _identifier().classify(text or " ")
        share = float(probability)
        return LanguageGuess(label, *((share, 1 - share) if label == "vi" else (1 - share, share)))
    vi_share = vi / (vi + en)
    return LanguageGuess("vi" if vi > en else "en", vi_share, 1 - vi_share)


_SENTENCE_BREAK_RE = re.compile(r"(?<=[.!?;…\n])\s+")


def sentence_languages(text: str, default: str) -> list[tuple[str, str]]:
    """``text`` cut into runs of sentences of one language: ``[(run, "vi" | "en"), …]``.

    Sentences end at . ! ? ; … or a line break followed by a space. Each takes the language most of
    its recognised words belong to; a sentence with no recognised word, or a tie ("ok", "5 sao"),
    keeps the language of the sentence before it (the first one takes ``default``, the answer's
    language). Neighbouring sentences of one language stay joined as written, so a one-language
    answer comes back whole.
    """
    ends = [m.start() for m in _SENTENCE_BREAK_RE.finditer(text)] + [len(text)]
    if len(ends) == 1:
        return [(text, default)]
    runs: list[tuple[int, int, str]] = []  # start, end, language
    start = 0
    for end in ends:
        sentence = text[start:end]
        if sentence.strip():
            vi, en = word_counts(sentence)
            lang = "vi" if vi > en else "en" if en > vi else (runs[-1][2] if runs else default)
            if runs and runs[-1][2] == lang:
                runs[-1] = (runs[-1][0], end, lang)
            else:
                runs.append((start, end, lang))
        start = end
    return [(text[a:b].strip(), lang) for a, b, lang in runs] or [(text, default)]
