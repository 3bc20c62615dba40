"""Settings: each one declared by the core or an addon (``erp_settings`` hook) with its key, default,
parser and help text. Values come from the process environment, completed by the instance
folder's ``erp.env`` (read with python-dotenv); ``create_app(settings)`` may override any of them.
Parsed values land in ``app.config`` under their key."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from dotenv import dotenv_values

DEFAULT_INSTANCE = Path(__file__).resolve().parent.parent / "instance"


class SettingError(SystemExit):
    """A setting has a value the app cannot start with; the message says which values are allowed."""


@dataclass(frozen=True)
class Setting:
    """``parse`` turns the text of the environment into the value, or raises ``ValueError`` with a
    sentence saying what is allowed. ``default`` is a value, or a function of the instance folder."""

    key: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str
    secret: bool = False  # `erp settings` shows whether it is set, never the value
    display: Callable[[Any], str] | None = None  # how `erp settings` shows a value (default: as text)
    addon: str = field(default="", compare=False)  # filled in by the host: who declared it

    def show(self, value) -> str:
        if self.display is not None:
            return self.display(value)
        if value is None or value == []:
            return "(not set)"
        return ",".join(value) if isinstance(value, list) else str(value)

    def default_for(self, instance: Path):
        return self.default(instance) if callable(self.default) else self.default

    def value_from(self, raw: dict[str, str], instance: Path):
        text = raw.get(self.key)
        if text is None or text == "":
            return self.default_for(instance)
        try:
            return self.parse(text)
        except ValueError as exc:
            raise SettingError(f"{self.key}: {exc}") from None


def choice(*allowed: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in allowed:
            raise ValueError(f"must be {' or '.join(repr(a) for a in allowed)}, not {text!r}.")
        return text

    return parse


def flag(text: str) -> bool:
    if text not in ("0", "1"):
        raise ValueError(f"must be 0 or 1, not {text!r}.")
    return text == "1"


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"must be a whole number of at least 1, not {text!r}.")
    return int(text)


def comma_list(text: str) -> list[str] | None:
    return [item.strip() for item in text.split(",") if item.strip()] or None


def path_list(text: str) -> list[str]:
    return [item for item in text.split(os.pathsep) if item]


def url_without_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def instance_path() -> Path:
    return Path(os.environ.get("ERP_INSTANCE_PATH", DEFAULT_INSTANCE)).resolve()


def raw_settings(instance: Path, overrides: dict) -> dict[str, str]:
    """Texts of every setting: ``overrides`` win over the environment, which wins over erp.env."""
    env_file = instance / "erp.env"
    from_file = {k: v for k, v in dotenv_values(env_file).items() if v is not None} if env_file.exists() else {}
    return {**from_file, **os.environ, **{k: str(v) if v is not None else "" for k, v in overrides.items()}}


def secret_key_file(instance: Path) -> str:
    """The key kept in the instance folder, created (0600) on first use; several workers starting at
    once agree on one key because the file appears in one step (a hard link never overwrites)."""
    key_file = instance / "secret_key"
    if not key_file.exists():
        instance.mkdir(parents=True, exist_ok=True)
        draft = instance / f".secret_key.{secrets.token_hex(4)}"
        draft.write_text(secrets.token_hex(32))
        draft.chmod(0o600)
        try:
            os.link(draft, key_file)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return key_file.read_text().strip()
