"""Who may do what in a workspace."""

from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    RESEARCHER = "researcher"
    ANALYST = "analyst"
    VIEWER = "viewer"


class Capability(StrEnum):
    VIEW = "view"  # see surveys, their questions and results
    EDIT = "edit"  # design, publish, close surveys; import questionnaires
    ANALYSE = "analyse"  # run analyses, weight, review insights, export
    MANAGE = "manage"  # members, roles, the workspace itself


CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.OWNER: frozenset(Capability),
    Role.RESEARCHER: frozenset({Capability.VIEW, Capability.EDIT, Capability.ANALYSE}),
    Role.ANALYST: frozenset({Capability.VIEW, Capability.ANALYSE}),
    Role.VIEWER: frozenset({Capability.VIEW}),
}


def has_capability(role: Role | str, capability: Capability) -> bool:
    """Return whether a member with ``role`` may exercise ``capability``."""
    return capability in CAPABILITIES[Role(role)]
