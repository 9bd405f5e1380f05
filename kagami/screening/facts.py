"""What the screener knows about the town: official accounts, domains and public-facing staff.

Read from the same TOML file as `kagami check` (`[municipality]`, validated by the content
checks' `Config`), plus `[accounts] official_handles, official_names` and
`[moderation] staff_names`.  In the web app the same facts come from the registry.
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from kagami.contentchecks.config import Config, ConfigError, phone_digits
from kagami.screening.normalise import key

__all__ = ["ConfigError", "Facts", "handle_key"]


def handle_key(handle: str) -> str:
    """An account handle as platforms compare it: NFKC, lower case, without `@` and spacing."""
    return unicodedata.normalize("NFKC", handle).strip().lstrip("@").lower()


@dataclass(frozen=True, eq=False)
class Facts:
    town_name: str = "鏡野町"
    official_handles: tuple[str, ...] = ()
    official_names: tuple[str, ...] = ()
    official_domains: tuple[str, ...] = ("town.kagamino.lg.jp",)
    staff_names: tuple[str, ...] = ()
    official_phones: tuple[str, ...] = ("0868-54-2111",)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Facts:
        """The TOML structure; unknown top-level tables other than ours go to `Config`."""
        if not isinstance(data, Mapping):
            raise ConfigError("", "設定は表（キーと値の組）でなければなりません")
        ours = {"accounts", "moderation"}
        config = Config.from_mapping({k: v for k, v in data.items() if k not in ours})
        accounts = _table(data, "accounts", ("official_handles", "official_names"))
        moderation = _table(data, "moderation", ("staff_names",))
        handles = [*config.official_accounts, *accounts.get("official_handles", [])]
        return cls(
            town_name=config.name,
            official_handles=tuple(dict.fromkeys(h for h in handles if h.strip())),
            official_names=tuple(n for n in accounts.get("official_names", []) if n.strip()),
            official_domains=tuple(
                dict.fromkeys((*config.official_domains, *config.official_email_domains))
            ),
            staff_names=tuple(n.strip() for n in moderation.get("staff_names", []) if n.strip()),
            official_phones=tuple(config.official_phones),
        )

    @classmethod
    def from_toml(cls, path: str | Path) -> Facts:
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise ConfigError(
                "", f"設定ファイル {path} を読めません: {exc.strerror or exc}"
            ) from exc
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise ConfigError("", f"設定ファイル {path} が UTF-8 ではありません") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(
                "", f"設定ファイル {path} の TOML の書き方が誤っています: {exc}"
            ) from exc
        return cls.from_mapping(data)

    @classmethod
    def default(cls) -> Facts:
        return cls.from_mapping({})

    # --- keys for comparison ---------------------------------------------------------------------

    @cached_property
    def handle_keys(self) -> frozenset[str]:
        return frozenset(handle_key(h) for h in self.official_handles)

    @cached_property
    def name_keys(self) -> frozenset[str]:
        return frozenset(key(n) for n in self.official_names)

    @cached_property
    def domain_set(self) -> frozenset[str]:
        return frozenset(d.lower() for d in self.official_domains)

    @cached_property
    def phone_digits(self) -> frozenset[str]:
        return frozenset(phone_digits(p) for p in self.official_phones)

    @cached_property
    def town_key(self) -> str:
        return key(self.town_name)

    @cached_property
    def town_stem(self) -> str:
        """The town's name without 町/市/村 (鏡野)."""
        name = self.town_key
        return name[:-1] if len(name) > 1 and name[-1] in "町市村区" else name


def _table(data: Mapping[str, Any], name: str, keys: Iterable[str]) -> dict[str, list[str]]:
    table = data.get(name, {})
    if not isinstance(table, Mapping):
        raise ConfigError(name, "表でなければなりません")
    allowed = tuple(keys)
    out: dict[str, list[str]] = {}
    for k, value in table.items():
        where = f"{name}.{k}"
        if k not in allowed:
            raise ConfigError(where, f"不明なキーです（{', '.join(allowed)} が使えます）")
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(where, f"文字列の配列が必要です（値: {value!r}）")
        out[k] = value
    return out
