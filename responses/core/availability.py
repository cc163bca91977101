"""Whether a collector accepts respondents right now, and if not, why."""

import datetime as dt
from enum import StrEnum


class Unavailable(StrEnum):
    INACTIVE = "inactive"  # the researcher switched the link off
    SURVEY_NOT_OPEN = "survey_not_open"  # draft, closed or archived survey
    NOT_YET_OPEN = "not_yet_open"
    CLOSED = "closed"  # past the closing date
    FULL = "full"  # the maximum number of responses is reached


def unavailability(
    *,
    now: dt.datetime,
    is_active: bool,
    survey_is_open: bool,
    opens_at: dt.datetime | None,
    closes_at: dt.datetime | None,
    max_responses: int | None,
    finished_count: int,
) -> Unavailable | None:
    """Return why the collector refuses a new respondent, or None when it accepts one."""
    if not is_active:
        return Unavailable.INACTIVE
    if not survey_is_open:
        return Unavailable.SURVEY_NOT_OPEN
    if opens_at is not None and now < opens_at:
        return Unavailable.NOT_YET_OPEN
    if closes_at is not None and now >= closes_at:
        return Unavailable.CLOSED
    if max_responses is not None and finished_count >= max_responses:
        return Unavailable.FULL
    return None
