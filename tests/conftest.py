import pytest
from rest_framework.test import APIClient

from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def member_of():
    """Return a function that makes a user with ``role`` in ``workspace``."""

    def make(workspace, role: str):
        user = UserFactory()
        MembershipFactory(workspace=workspace, user=user, role=role)
        return user

    return make


@pytest.fixture
def owner():
    return UserFactory()
