"""Submissions racing for real, in threads with their own connections.

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
from responses.core.availability import Unavailable
from responses.models import Collector, Response
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


@pytest.mark.django_db(transaction=True)
def test_racing_submissions_never_exceed_the_maximum_of_responses(collector):
    """Eight respondents submit at once for the last three places: exactly three get one.

    On PostgreSQL the eight transactions really overlap; counting the finished responses and then
    inserting (as the link did before) let all eight in. The conditional UPDATE of the
    collector's counter lets exactly three in, the others are told the survey is full.
    """
    services.update_collector(collector=collector, max_responses=3)
    barrier = threading.Barrier(8)
    stored, refused, failures = [], [], []

    def submit():
        try:
            barrier.wait()
            for _attempt in range(100):
                try:
                    result = services.submit_response(
                        collector=Collector.objects.select_related("survey").get(pk=collector.pk),
                        submission_key=uuid.uuid4(),
                        answers=COMPLETE_ANSWERS,
                    )
                except OperationalError as error:
                    if "locked" not in str(error):
                        raise
                    time.sleep(0.02)
                    continue
                except services.CollectorUnavailable as error:
                    refused.append(error.reason)
                    break
                stored.append(result)
                break
        except Exception as error:  # noqa: BLE001 — reported below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(stored) == 3 and all(result.created for result in stored)
    assert refused == [Unavailable.FULL] * 5
    assert Response.objects.filter(collector=collector).finished().count() == 3
    assert Collector.objects.get(pk=collector.pk).finished_counter == 3
