import pytest

from tests.security import figures


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = figures.lines()
    if lines:
        terminalreporter.write_sep("-", "security figures")
        for line in lines:
            terminalreporter.write_line(line)
