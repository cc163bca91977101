import pytest

from tests.analysis.core.open_text.synthetic import DELIVERY, PRICE, SERVICE


@pytest.fixture
def topics() -> dict[str, list[str]]:
    return {"delivery": DELIVERY, "price": PRICE, "service": SERVICE}


@pytest.fixture
def answers(topics) -> list[tuple[str, str]]:
    return [(f"{name}-{i}", text) for name, texts in topics.items() for i, text in enumerate(texts)]
