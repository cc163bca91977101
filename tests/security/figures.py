"""Figures the security tests collect while they run, printed at the end of the session (conftest.py)."""

from collections import Counter

api_requests: Counter[tuple[str, str]] = Counter()  # (method, path template) -> requests sent
api_server_errors: list[str] = []
xss_pages: list[str] = []  # each page rendered with payloads in it
xss_shown: Counter[str] = Counter()  # escaped payload texts found, by payload
xss_raw: list[str] = []  # payloads found as markup (each also fails its test)


def lines() -> list[str]:
    found = []
    if api_requests:
        found.append(
            f"API fuzzing: {sum(api_requests.values())} requests over {len(api_requests)} operations, "
            f"{len(api_server_errors)} server errors"
        )
    if xss_pages:
        found.append(
            f"Stored XSS: {sum(xss_shown.values())} payload texts shown across {len(xss_pages)} pages, "
            f"{len(xss_raw)} rendered as markup"
        )
    return found
