"""Configuration from environment variables, completed by ``<instance>/erp.env`` (KEY=VALUE lines)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

DEFAULT_INSTANCE = Path(__file__).resolve().parent.parent / "instance"


def instance_path() -> Path:
    return Path(os.environ.get("ERP_INSTANCE_PATH", DEFAULT_INSTANCE)).resolve()


def read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if path.exists():
        for raw in path.read_text().splitlines():
            line = raw.strip()
            if line and not line.startswith("#") and "=" in line:
                key, value = line.split("=", 1)
                values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def _secret_key(folder: Path) -> str:
    key_file = folder / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def load_config(overrides: dict | None = None) -> dict:
    """Environment-style settings (``DATABASE_URL``, ``ERP_ADDONS``...): ``overrides`` (tests) win
    over the process environment, which wins over the instance file."""
    folder = instance_path()
    folder.mkdir(parents=True, exist_ok=True)
    settings = {**read_env_file(folder / "erp.env"), **os.environ, **(overrides or {})}

    def get(name, default=None):
        return settings.get(name) or default

    url = get("DATABASE_URL", f"sqlite:///{folder / 'erp.sqlite3'}")
    uniqueness = get("ERP_SERIAL_UNIQUENESS", "product")
    if uniqueness not in ("product", "global"):
        raise SystemExit(f"ERP_SERIAL_UNIQUENESS must be 'product' or 'global', not {uniqueness!r}.")
    return {
        "INSTANCE_PATH": str(folder),
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": get("ERP_SECRET_KEY") or _secret_key(folder),
        "ERP_ADDONS": [a.strip() for a in get("ERP_ADDONS", "").split(",") if a.strip()] or None,
        "ERP_ADDONS_PATH": [p for p in get("ERP_ADDONS_PATH", "").split(os.pathsep) if p],
        "ERP_SERIAL_UNIQUENESS": uniqueness,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": get("ERP_SECURE_COOKIES", "0") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,
    }
