"""Translatable messages produced by pure code.

Core code cannot import Django's gettext, so it marks its English templates with the local
``gettext_noop`` (which ``makemessages`` extracts like Django's own) and returns ``Message``
values; the Django layer translates the template and fills in the parameters.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


def gettext_noop(message: str) -> str:
    """Mark a string for translation without translating it."""
    return message


@dataclass(frozen=True, slots=True)
class Message:
    """An English template with named ``{placeholders}`` and the values for them."""

    template: str
    params: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))

    def render(self, translate: Callable[[str], str] = gettext_noop) -> str:
        """Return the message in the language ``translate`` maps the template into."""
        return translate(self.template).format(**self.params)


def message(template: str, **params: object) -> Message:
    """Return a Message with read-only parameters."""
    return Message(template, MappingProxyType(dict(params)))
