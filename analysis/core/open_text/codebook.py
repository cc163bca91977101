"""The analyst's codebook: themes as plain data, and the edits an analyst makes to them.

A codebook is what survives between runs. Discovery proposes one; the analyst renames, merges,
splits and deletes themes, pins example answers and adds keyword rules; every later run (with more
answers) assigns answers by the codebook instead of rediscovering, so the edits are never lost.
Theme ids ("T1", "T2", …) are never reused: a merged, split or deleted theme's id stays retired.
Deleted themes are kept, marked, so their answers go to "Other" instead of resurfacing as a new
theme. ``to_dict`` / ``codebook_from_dict`` give a JSON-ready form for storage.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from analysis.core.open_text.normalization import fold_accents
from surveys.core.messages import Message, gettext_noop, message

OTHER_THEME_ID = "other"
OTHER_LABEL = gettext_noop("Other")
MAX_LABEL_LENGTH = 120
MAX_RULE_LENGTH = 80

UNKNOWN_THEME = gettext_noop("There is no theme “{theme}” in the codebook.")
EMPTY_LABEL = gettext_noop("A theme needs a name.")
LABEL_TOO_LONG = gettext_noop("A theme name can have at most {limit} characters.")
MERGE_NEEDS_TWO = gettext_noop("Choose at least two different themes to merge.")
SPLIT_NEEDS_TWO = gettext_noop("A theme splits into at least two parts.")
SPLIT_PART_EMPTY = gettext_noop("Each part of a split needs keyword rules or pinned examples.")
EMPTY_RULE = gettext_noop("A keyword rule cannot be empty.")
RULE_TOO_LONG = gettext_noop("A keyword rule can have at most {limit} characters.")
EMPTY_EXAMPLE = gettext_noop("A pinned example cannot be empty.")
UNKNOWN_EDIT = gettext_noop("Unknown codebook edit “{op}”.")
BAD_CODEBOOK = gettext_noop("The codebook is not valid: {reason}.")


class CodebookError(ValueError):
    """An edit or a stored codebook that cannot be used; ``message`` says why."""

    def __init__(self, msg: Message) -> None:
        self.message = msg
        super().__init__(msg.render())


def _frozen(mapping: Mapping) -> Mapping:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True, slots=True)
class Theme:
    id: str
    label: str
    keywords: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: _frozen({}))  # lang → phrases
    rules: tuple[str, ...] = ()  # analyst keyword rules, accent-folded, matched on whole words
    pinned: tuple[str, ...] = ()  # example answers the analyst pinned to this theme
    centroid: Mapping[str, float] = field(default_factory=lambda: _frozen({}))  # term → weight
    is_deleted: bool = False  # kept so its answers go to "Other" and it is not rediscovered
    is_edited: bool = False  # renamed by the analyst: a re-run keeps the label


@dataclass(frozen=True, slots=True)
class Codebook:
    themes: tuple[Theme, ...] = ()
    next_number: int = 1

    @property
    def active_themes(self) -> tuple[Theme, ...]:
        return tuple(t for t in self.themes if not t.is_deleted)

    def theme(self, theme_id: str) -> Theme:
        for theme in self.themes:
            if theme.id == theme_id and not theme.is_deleted:
                return theme
        raise CodebookError(message(UNKNOWN_THEME, theme=theme_id))

    def with_new_theme(self, **values: object) -> tuple["Codebook", Theme]:
        theme = Theme(id=f"T{self.next_number}", **values)  # type: ignore[arg-type]
        return Codebook((*self.themes, theme), self.next_number + 1), theme

    def _replace_theme(self, theme: Theme) -> "Codebook":
        return Codebook(tuple(theme if t.id == theme.id else t for t in self.themes), self.next_number)

    def to_dict(self) -> dict:
        return {
            "next_number": self.next_number,
            "themes": [
                {
                    "id": t.id,
                    "label": t.label,
                    "keywords": {lang: list(words) for lang, words in t.keywords.items()},
                    "rules": list(t.rules),
                    "pinned": list(t.pinned),
                    "centroid": dict(t.centroid),
                    "is_deleted": t.is_deleted,
                    "is_edited": t.is_edited,
                }
                for t in self.themes
            ],
        }


def make_theme(
    theme_id: str,
    label: str,
    *,
    keywords: Mapping[str, Sequence[str]] | None = None,
    rules: Sequence[str] = (),
    pinned: Sequence[str] = (),
    centroid: Mapping[str, float] | None = None,
    is_deleted: bool = False,
    is_edited: bool = False,
) -> Theme:
    return Theme(
        id=theme_id,
        label=label,
        keywords=_frozen({lang: tuple(words) for lang, words in (keywords or {}).items()}),
        rules=tuple(rules),
        pinned=tuple(pinned),
        centroid=_frozen(centroid or {}),
        is_deleted=is_deleted,
        is_edited=is_edited,
    )


def codebook_from_dict(data: Mapping) -> Codebook:
    """Rebuild a codebook from ``Codebook.to_dict()`` output, checking its shape."""
    try:
        themes = []
        seen: set[str] = set()
        for raw in data["themes"]:
            theme_id = str(raw["id"])
            if theme_id in seen or theme_id == OTHER_THEME_ID:
                raise ValueError(f"duplicate theme id {theme_id}")
            seen.add(theme_id)
            themes.append(
                make_theme(
                    theme_id,
                    str(raw["label"]),
                    keywords={str(k): [str(w) for w in v] for k, v in raw.get("keywords", {}).items()},
                    rules=[_clean_rule(str(r)) for r in raw.get("rules", [])],
                    pinned=[str(p) for p in raw.get("pinned", [])],
                    centroid={str(k): float(v) for k, v in raw.get("centroid", {}).items()},
                    is_deleted=bool(raw.get("is_deleted", False)),
                    is_edited=bool(raw.get("is_edited", False)),
                )
            )
        numbers = [int(t.id[1:]) for t in themes if t.id[:1] == "T" and t.id[1:].isdigit()]
        next_number = max(int(data.get("next_number", 1)), max(numbers, default=0) + 1)
    except CodebookError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise CodebookError(message(BAD_CODEBOOK, reason=str(error))) from None
    return Codebook(tuple(themes), next_number)


# --- edits ----------------------------------------------------------------------------------


def _clean_label(label: str) -> str:
    label = " ".join(str(label).split())
    if not label:
        raise CodebookError(message(EMPTY_LABEL))
    if len(label) > MAX_LABEL_LENGTH:
        raise CodebookError(message(LABEL_TOO_LONG, limit=MAX_LABEL_LENGTH))
    return label


def _clean_rule(rule: str) -> str:
    folded = " ".join(fold_accents(rule).split())
    if not folded:
        raise CodebookError(message(EMPTY_RULE))
    if len(folded) > MAX_RULE_LENGTH:
        raise CodebookError(message(RULE_TOO_LONG, limit=MAX_RULE_LENGTH))
    return folded


def rename_theme(codebook: Codebook, theme_id: str, label: str) -> Codebook:
    theme = codebook.theme(theme_id)
    return codebook._replace_theme(replace(theme, label=_clean_label(label), is_edited=True))


def delete_theme(codebook: Codebook, theme_id: str) -> Codebook:
    theme = codebook.theme(theme_id)
    return codebook._replace_theme(replace(theme, is_deleted=True))


def _merge_centroids(centroids: Sequence[Mapping[str, float]]) -> dict[str, float]:
    total: dict[str, float] = {}
    for centroid in centroids:
        for term, weight in centroid.items():
            total[term] = total.get(term, 0.0) + weight
    norm = sum(w * w for w in total.values()) ** 0.5 or 1.0
    return {term: weight / norm for term, weight in total.items()}


def _unique(items: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def merge_themes(codebook: Codebook, theme_ids: Sequence[str], label: str | None = None) -> Codebook:
    """Merge themes into the first one listed; the others' ids retire."""
    ids = list(dict.fromkeys(theme_ids))
    if len(ids) < 2:
        raise CodebookError(message(MERGE_NEEDS_TWO))
    themes = [codebook.theme(i) for i in ids]
    keep = themes[0]
    keywords: dict[str, list[str]] = {}
    for theme in themes:
        for lang, words in theme.keywords.items():
            keywords.setdefault(lang, []).extend(words)
    merged = make_theme(
        keep.id,
        _clean_label(label) if label is not None else keep.label,
        keywords={lang: _unique(words)[:8] for lang, words in keywords.items()},
        rules=_unique([r for t in themes for r in t.rules]),
        pinned=_unique([p for t in themes for p in t.pinned]),
        centroid=_merge_centroids([t.centroid for t in themes if t.centroid]),
        is_edited=keep.is_edited or label is not None,
    )
    gone = set(ids[1:])
    out = tuple(merged if t.id == keep.id else t for t in codebook.themes if t.id not in gone)
    return Codebook(out, codebook.next_number)


@dataclass(frozen=True, slots=True)
class SplitPart:
    label: str
    rules: tuple[str, ...] = ()
    pinned: tuple[str, ...] = ()


def split_theme(codebook: Codebook, theme_id: str, parts: Sequence[SplitPart]) -> Codebook:
    """Replace a theme by new themes, each defined by its keyword rules and/or pinned examples.

    Each part inherits the centroid terms of the old theme that its rules mention, so answers that
    the rules do not reach can still be placed by similarity.
    """
    theme = codebook.theme(theme_id)
    if len(parts) < 2:
        raise CodebookError(message(SPLIT_NEEDS_TWO))
    cleaned = []
    for part in parts:
        rules = tuple(_clean_rule(r) for r in part.rules)
        pinned = tuple(p.strip() for p in part.pinned if p.strip())
        if not rules and not pinned:
            raise CodebookError(message(SPLIT_PART_EMPTY))
        cleaned.append((_clean_label(part.label), rules, pinned))
    result = Codebook(tuple(t for t in codebook.themes if t.id != theme_id), codebook.next_number)
    for label, rules, pinned in cleaned:
        words = {w for r in rules for w in r.split()}
        centroid = {t: w for t, w in theme.centroid.items() if set(t.split()) & words}
        result, _ = result.with_new_theme(
            label=label,
            keywords=_frozen({}),
            rules=rules,
            pinned=pinned,
            centroid=_frozen(centroid),
            is_edited=True,
        )
    return result


def add_theme(codebook: Codebook, label: str, *, rules: Sequence[str] = (), pinned: Sequence[str] = ()) -> Codebook:
    codebook, _ = codebook.with_new_theme(
        label=_clean_label(label),
        rules=tuple(_clean_rule(r) for r in rules),
        pinned=tuple(p for p in pinned if p.strip()),
        is_edited=True,
    )
    return codebook


def pin_example(codebook: Codebook, theme_id: str, text: str) -> Codebook:
    theme = codebook.theme(theme_id)
    if not text.strip():
        raise CodebookError(message(EMPTY_EXAMPLE))
    return codebook._replace_theme(replace(theme, pinned=_unique([*theme.pinned, text.strip()])))


def unpin_example(codebook: Codebook, theme_id: str, text: str) -> Codebook:
    theme = codebook.theme(theme_id)
    return codebook._replace_theme(replace(theme, pinned=tuple(p for p in theme.pinned if p != text.strip())))


def add_rule(codebook: Codebook, theme_id: str, rule: str) -> Codebook:
    theme = codebook.theme(theme_id)
    return codebook._replace_theme(replace(theme, rules=_unique([*theme.rules, _clean_rule(rule)])))


def remove_rule(codebook: Codebook, theme_id: str, rule: str) -> Codebook:
    theme = codebook.theme(theme_id)
    folded = _clean_rule(rule)
    return codebook._replace_theme(replace(theme, rules=tuple(r for r in theme.rules if r != folded)))


def apply_edit(codebook: Codebook, edit: Mapping) -> Codebook:
    """Apply one edit given as plain data, e.g. ``{"op": "rename", "theme": "T2", "label": "Giá"}``."""
    op = edit.get("op")
    try:
        if op == "rename":
            return rename_theme(codebook, edit["theme"], edit["label"])
        if op == "delete":
            return delete_theme(codebook, edit["theme"])
        if op == "merge":
            return merge_themes(codebook, edit["themes"], edit.get("label"))
        if op == "split":
            parts = [
                SplitPart(p["label"], tuple(p.get("rules", ())), tuple(p.get("pinned", ()))) for p in edit["parts"]
            ]
            return split_theme(codebook, edit["theme"], parts)
        if op == "add":
            return add_theme(codebook, edit["label"], rules=edit.get("rules", ()), pinned=edit.get("pinned", ()))
        if op == "pin":
            return pin_example(codebook, edit["theme"], edit["text"])
        if op == "unpin":
            return unpin_example(codebook, edit["theme"], edit["text"])
        if op == "add_rule":
            return add_rule(codebook, edit["theme"], edit["rule"])
        if op == "remove_rule":
            return remove_rule(codebook, edit["theme"], edit["rule"])
    except (KeyError, TypeError) as error:
        raise CodebookError(message(BAD_CODEBOOK, reason=f"edit {op!r} lacks {error}")) from None
    raise CodebookError(message(UNKNOWN_EDIT, op=str(op)))


def apply_edits(codebook: Codebook, edits: Sequence[Mapping]) -> Codebook:
    for edit in edits:
        codebook = apply_edit(codebook, edit)
    return codebook
