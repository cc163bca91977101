"""Read answer options as a rating scale: the polarity of each point and the scale's direction."""

from surveys.core.linter import lexicon
from surveys.core.linter.text import Lexicon, PreparedText

_NEGATORS = Lexicon(["not", "no", "never", "không", "chẳng", "chưa", "chả", "hoàn toàn không", "không hề"])
# Validated scales that are deliberately asymmetric (SF-36 / BRFSS self-rated health).
_ESTABLISHED_ASYMMETRIC = frozenset({("excellent", "very good", "good", "fair", "poor")})


def option_polarity(option: PreparedText) -> int | None:
    """Return +1 (positive point), -1 (negative), 0 (neutral midpoint) or None (not a scale point)."""
    if lexicon.NEUTRAL_POINTS.search(option) is not None:
        return 0
    if lexicon.NEGATIVE_ROOTS.search(option) is not None:
        return -1
    positive = lexicon.POSITIVE_ROOTS.search(option)
    if positive is None:
        return None
    negator = _NEGATORS.search(option, 0, positive.start())
    return -1 if negator is not None else 1


def scale_points(options: tuple[PreparedText, ...], skip: frozenset[int]) -> list[tuple[int, int]]:
    """Return (option index, polarity) for the options that are points of a bipolar scale."""
    if is_unipolar(options) or is_established_asymmetric(options):
        return []
    points = []
    plain = [index for index in range(len(options)) if index not in skip]
    middle = plain[len(plain) // 2] if len(plain) % 2 == 1 else None
    for index in plain:
        option = options[index]
        polarity = option_polarity(option)
        if index == middle and lexicon.WEAK_POINTS.fullmatch(option):
            polarity = 0
        if polarity is not None:
            points.append((index, polarity))
    signed = [p for _, p in points]
    if len(points) < 3 or signed.count(1) + signed.count(-1) < 2:
        return []
    return points


def is_unipolar(options: tuple[PreparedText, ...]) -> bool:
    """Return whether the options run from "not at all" to "extremely" on one quality."""
    has_unipolar = any(lexicon.UNIPOLAR_ROOTS.search(o) is not None for o in options)
    has_bipolar = any(lexicon.POSITIVE_ROOTS.search(o) is not None for o in options)
    return has_unipolar and not has_bipolar


def is_established_asymmetric(options: tuple[PreparedText, ...]) -> bool:
    labels = tuple(o.folded.strip(" .") for o in options)
    return labels in _ESTABLISHED_ASYMMETRIC or tuple(reversed(labels)) in _ESTABLISHED_ASYMMETRIC


def scale_direction(points: list[tuple[int, int]]) -> int:
    """Return +1 when the scale starts at its positive end, -1 when at its negative end, 0 if unclear."""
    signed = [polarity for _, polarity in points if polarity]
    if not signed or len(set(signed)) < 2:
        return 0
    return signed[0]
