"""The demo account's identity: created by ``seed_demo`` (frontend) and used by ``import_survey``."""

DEMO_EMAIL = "demo@sowhat.local"
DEMO_PASSWORD = "sowhat-demo"  # noqa: S105 — a documented local-only login, refused when DEBUG is off
DEMO_WORKSPACE_NAME = "Cửa hàng Demo"
