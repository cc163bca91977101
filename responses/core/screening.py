"""Signs that a response was not given by a person answering honestly: flag, never drop.

A flagged response is stored like any other with the reasons; an analyst reviews it and keeps
or excludes it. Silently dropping answers would lose real respondents to false alarms.
"""

from dataclasses import dataclass
from enum import StrEnum

# Reading a short question and choosing an answer takes a person a couple of seconds at least.
SECONDS_PER_QUESTION = 1.5
MINIMUM_SECONDS = 3.0


class FlagReason(StrEnum):
    HONEYPOT = "honeypot"  # a field hidden from people was filled in
    TOO_FAST = "too_fast"  # finished faster than anyone could read the questions
    RATE_LIMITED = "rate_limited"  # many responses from one address in a short time


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``count`` finished responses per address within ``window_seconds``."""

    count: int = 10
    window_seconds: int = 600


def minimum_plausible_seconds(question_count: int) -> float:
    """Return the fastest credible time to answer ``question_count`` questions."""
    return max(MINIMUM_SECONDS, SECONDS_PER_QUESTION * max(question_count, 0))


def flag_reasons(
    *,
    honeypot_filled: bool,
    duration_seconds: float | None,
    question_count: int,
    recent_from_address: int,
    rate_limit: RateLimit,
) -> tuple[FlagReason, ...]:
    """Return why a finished response looks automated (empty when it does not).

    ``recent_from_address`` counts the responses finished from the same address in the current
    window, this one included.
    """
    reasons = []
    if honeypot_filled:
        reasons.append(FlagReason.HONEYPOT)
    if duration_seconds is not None and duration_seconds < minimum_plausible_seconds(question_count):
        reasons.append(FlagReason.TOO_FAST)
    if recent_from_address > rate_limit.count:
        reasons.append(FlagReason.RATE_LIMITED)
    return tuple(reasons)
