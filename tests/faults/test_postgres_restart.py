"""PostgreSQL restarted while respondents submit through the public API, under gunicorn.

Sixteen careful clients submit whole responses without pause; after the first hundred are
acknowledged, PostgreSQL is stopped ("fast": open sessions are cut, their transactions rolled
back) and started again two seconds later. Meanwhile another client keeps opening the public
form. What must hold:

* clients get a retryable error during the outage, never a server error: ``503`` with
  ``Retry-After``, the API's JSON error for the API, a plain HTML page for the form;
* each client sends the same submission (same key) again until it is acknowledged, so every
  submission ends acknowledged;
* every acknowledged response is stored exactly once, with the answers sent and a finished status;
  nothing is stored that was not acknowledged; no half-written row;
* respondents with personal links answer through the HTML form meanwhile: a 503 page, then the
  same form sent again; in the end each invitation is completed exactly when it has one finished
  response (no response left half-way, no invitation left "started");
* gunicorn's persistent connections (``CONN_MAX_AGE``) died with the server: the first request of
  each process after the restart checks its connection and reconnects (``CONN_HEALTH_CHECKS``), so
  no request fails once PostgreSQL accepts connections again.
"""

import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.faults import harness
from tests.faults.world import answer_pool, build_world, form_fields, invitation_check, invite

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

CLIENTS = 16
BEFORE_RESTART = 100  # acknowledged submissions before PostgreSQL stops
OUTAGE_SECONDS = 2.0
AFTER_RESTART_SECONDS = 4.0
RECOVERY_GRACE = 1.0  # seconds after PostgreSQL accepts connections for requests already in flight
INVITATIONS = 60
INVITEES = 2  # respondents answering personal links through the HTML form at any time


def test_postgres_restart_during_a_submission_load_loses_nothing(stack):
    world = build_world()
    invitations = invite(world.survey_slug, INVITATIONS, stack.base_url)
    tokens = iter(list(invitations.invitations.values_list("token", flat=True)))
    url = stack.url(f"/api/public/collectors/{world.collector_slug}/responses/")
    form_url = stack.url(f"/r/{world.collector_slug}/")
    pool = answer_pool(5000)
    next_answers = itertools.count()
    tally, form_tally = harness.Tally(), harness.Tally()
    stop = threading.Event()
    form_statuses: dict[str, int] = {}

    def respondent() -> None:
        session = requests.Session()
        while not stop.is_set():
            answers = pool[next(next_answers) % len(pool)]
            harness.submit_until_acknowledged(session, url, answers, tally)

    def invitee() -> None:
        while not stop.is_set() and (token := next(tokens, None)) is not None:
            answers = form_fields(pool[next(next_answers) % len(pool)])
            harness.answer_invitation_form(requests.Session(), stack.url(f"/i/{token}/"), answers, form_tally)
            time.sleep(0.5)  # a few respondents at a time, through the whole test

    def form_reader() -> None:
        session = requests.Session()
        while not stop.is_set():
            page = session.get(form_url, timeout=30)
            kind = page.headers.get("Content-Type", "").split(";")[0]
            label = f"{page.status_code} {kind}"
            if page.status_code == 503:
                assert page.headers.get("Retry-After", "").isdigit() and kind == "text/html", page.headers
                assert "<h1>" in page.text and "Traceback" not in page.text
            form_statuses[label] = form_statuses.get(label, 0) + 1
            time.sleep(0.05)

    executor = ThreadPoolExecutor(max_workers=CLIENTS + INVITEES + 1)
    clients = [executor.submit(respondent) for _ in range(CLIENTS)]
    clients += [executor.submit(invitee) for _ in range(INVITEES)] + [executor.submit(form_reader)]
    try:
        harness.wait_for("the first submissions acknowledged", lambda: len(tally.acknowledged) >= BEFORE_RESTART)
        stopping = time.monotonic()
        try:
            harness.stop_postgres()
            stopped = time.monotonic()
            time.sleep(OUTAGE_SECONDS)
        finally:
            starting = time.monotonic()
            harness.start_postgres()
        back = time.monotonic()
        acknowledged_when_back = len(tally.acknowledged)
        time.sleep(AFTER_RESTART_SECONDS)
    finally:
        stop.set()
        executor.shutdown(wait=True)
    for client in clients:
        client.result()  # an assertion that failed in a client fails the test here

    figures = harness.stored_check(tally, world.collector_slug)
    answered = {link.rstrip("/").rsplit("/", 1)[-1] for link in form_tally.acknowledged}
    forms = invitation_check(invitations, answered)
    late_errors = [moment for moment in tally.error_times if moment > back + RECOVERY_GRACE]
    harness.report(
        f"faults · PostgreSQL restart under load ({CLIENTS} clients; stopping {stopped - stopping:.1f} s, "
        f"down {OUTAGE_SECONDS:.0f} s, starting {back - starting:.1f} s): "
        f"requests tried {tally.tried}, acknowledged {len(tally.acknowledged)}, stored {figures['stored']}, "
        f"lost {figures['lost']}, duplicated {figures['duplicated']}, half-written {figures['half_written']}, "
        f"server errors {len(tally.server_errors)}, retries {tally.retries} (503 with Retry-After "
        f"{tally.unavailable}, connection errors {tally.connection_errors}), errors after recovery "
        f"{len(late_errors)}, acknowledged after restart {len(tally.acknowledged) - acknowledged_when_back}; "
        f"invitation forms (HTML): tried {form_tally.tried}, acknowledged {len(answered)}, completed "
        f"{forms['completed']}, lost {forms['lost']}, duplicated {forms['duplicated']}, half-written "
        f"{forms['half_written']}, server errors {len(form_tally.server_errors)}, retries {form_tally.retries} "
        f"(503 pages {form_tally.unavailable}); public form page: "
        f"{', '.join(f'{count}× {label}' for label, count in sorted(form_statuses.items()))}"
    )
    assert tally.server_errors == [] and tally.refused == []
    assert tally.unavailable > 0  # the outage was felt, and answered with 503
    assert len(tally.acknowledged) == tally.tried  # every submission ended acknowledged
    assert figures == {
        "stored": tally.tried,
        "lost": 0,
        "duplicated": 0,
        "unacknowledged": 0,
        "half_written": 0,
    }
    assert late_errors == []  # stale persistent connections recovered on their own
    assert len(tally.acknowledged) > acknowledged_when_back  # and submissions went on
    assert form_tally.server_errors == [] and form_tally.refused == [] and form_tally.unavailable > 0
    assert len(answered) == form_tally.tried
    assert forms == {"completed": len(answered), "lost": 0, "half_written": 0, "duplicated": 0}
    assert form_statuses.get("503 text/html", 0) > 0
    assert set(form_statuses) <= {"200 text/html", "503 text/html"}
