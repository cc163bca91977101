"""Two submissions with one key racing for real, in two threads with their own connections.

On PostgreSQL both transactions run at once and the unique constraint settles the race. The
test database of SQLite is in memory, where a writer that finds the table locked fails at once
instead of waiting; the client then retries with the same key, as a phone on a bad network would.
"""

import threading
import time
import uuid

import pytest
from django.db import OperationalError, connection

from responses import services
from responses.models import Response
from tests.responses.specs import COMPLETE_ANSWERS


@pytest.mark.django_db(transaction=True)
def test_twin_submissions_racing_store_one_response(collector):
    key = uuid.uuid4()
    barrier = threading.Barrier(2)
    results, failures = [], []

    def submit():
        try:
            barrier.wait()
            for _attempt in range(50):
                try:
                    result = services.submit_response(collector=collector, submission_key=key, answers=COMPLETE_ANSWERS)
                except OperationalError as error:
                    if "locked" not in str(error):
                        raise
                    time.sleep(0.02)
                    continue
                results.append(result)
                break
        except Exception as error:  # noqa: BLE001 — reported below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(result.created for result in results) == [False, True]
    assert len({result.response.pk for result in results}) == 1
    assert Response.objects.filter(submission_key=key).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_double_clicked_last_page_finishes_the_response_once(collector):
    from tests.responses.test_services import CLIENT, PAGES

    response = services.start_response(collector=collector, client=CLIENT, language="vi")
    for page in ("about", "scores", "app"):
        services.save_page(response=response, page_key=page, raw=PAGES[page])
    key = uuid.uuid4()
    barrier = threading.Barrier(2)
    results, failures = [], []

    def click():
        try:
            barrier.wait()
            for _attempt in range(50):
                try:
                    result = services.submit_page(
                        response=response, page_key="details", raw=PAGES["details"], submission_key=key
                    )
                except OperationalError as error:
                    if "locked" not in str(error):
                        raise
                    time.sleep(0.02)
                    continue
                results.append(result)
                break
        except Exception as error:  # noqa: BLE001 — reported below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(result.replayed for result in results) == [False, True]
    response.refresh_from_db()
    assert response.submission_key == key and response.status != Response.Status.PARTIAL
