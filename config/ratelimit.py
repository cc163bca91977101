"""Failed sign-in limits, shared by the sign-in page and the API token endpoint.

At most ``settings.LOGIN_RATE_LIMIT["attempts"]`` failed sign-ins per email address and client address
within ``window_seconds`` (a fixed window that starts at the first failure); after that every sign-in for
that pair is refused, even with the right password, until the window ends. A success clears the count.
Counting the pair, not the address alone, keeps one office behind one NAT address from locking each
other out; the API endpoint's throttle still bounds what one address can try across many emails.

The counts live in Django's cache: with several web processes, set REDIS_CACHE_URL so they share them.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import ngettext

KEY_PREFIX = "login:failures:"


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    """Who tries to sign in (the email as typed, normalised) and from where."""

    email: str
    ip_address: str

    @classmethod
    def from_request(cls, request: HttpRequest, *, email: str) -> "LoginAttempt":
        return cls(email=(email or "").strip().lower(), ip_address=request.META.get("REMOTE_ADDR") or "")

    @property
    def cache_key(self) -> str:
        # Hashed: the cache never holds email addresses or client addresses in clear.
        digest = hashlib.sha256(f"{self.email}\n{self.ip_address}".encode()).hexdigest()[:40]
        return KEY_PREFIX + digest


def _limit() -> tuple[int, int]:
    return int(settings.LOGIN_RATE_LIMIT["attempts"]), int(settings.LOGIN_RATE_LIMIT["window_seconds"])


def is_login_blocked(attempt: LoginAttempt) -> bool:
    """Return whether ``attempt``'s email and address have used up their failed sign-ins."""
    attempts, _window = _limit()
    return int(cache.get(attempt.cache_key, 0)) >= attempts


def record_failed_login(attempt: LoginAttempt) -> None:
    """Count one more failed sign-in for ``attempt``'s email and address."""
    _attempts, window = _limit()
    if cache.add(attempt.cache_key, 1, timeout=window):
        return
    try:
        cache.incr(attempt.cache_key)
    except ValueError:  # the window ended between add and incr
        cache.set(attempt.cache_key, 1, timeout=window)


def clear_failed_logins(attempt: LoginAttempt) -> None:
    """Forget the failures of ``attempt``'s email and address (after a successful sign-in)."""
    cache.delete(attempt.cache_key)


def blocked_message() -> str:
    """Return the translated refusal shown on the sign-in page and in the API's error."""
    minutes = max(1, round(_limit()[1] / 60))
    return ngettext(
        "Too many failed sign-in attempts for this email address. Try again in %(minutes)d minute.",
        "Too many failed sign-in attempts for this email address. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def retry_after_seconds() -> int:
    """Return the longest wait before a blocked pair may try again (the window's length)."""
    return _limit()[1]
