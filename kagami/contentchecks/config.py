"""Configuration: the municipality's facts and per-rule settings, from TOML or a mapping."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kagami.contentchecks.model import SEVERITIES, Severity
from kagami.contentchecks.platforms import PLATFORMS, platform_key
from kagami.contentchecks.text import nfkc

if TYPE_CHECKING:
    from kagami.contentchecks.registry import Rule


class ConfigError(ValueError):
    """A configuration value is missing, of the wrong type or unknown.  `key` names it."""

    def __init__(self, key: str, reason: str) -> None:
        self.key = key
        self.reason = reason
        super().__init__(f"設定 {key}: {reason}" if key else reason)


@dataclass(frozen=True)
class RuleSettings:
    enabled: bool = True
    severity: Severity | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


_MUNICIPALITY_KEYS = (
    "name",
    "official_domains",
    "official_email_domains",
    "official_phones",
    "public_addresses",
    "official_accounts",
    "facility_names",
)

_DEFAULT_MUNICIPALITY: dict[str, Any] = {
    "name": "鏡野町",
    "official_domains": ["town.kagamino.lg.jp"],
    "official_email_domains": ["town.kagamino.lg.jp"],
    "official_phones": ["0868-54-2111"],
    "public_addresses": ["岡山県苫田郡鏡野町竹田660番地"],
    "official_accounts": [],
    "facility_names": [],
}


def phone_digits(value: str) -> str:
    """Digits of a phone number in domestic form ("+81 868-54-2111" → "0868542111")."""
    digits = re.sub(r"\D", "", nfkc(value))
    if nfkc(value).lstrip().startswith("+81"):
        digits = "0" + digits[2:].removeprefix("0")
    return digits


def address_key(value: str) -> str:
    return re.sub(r"\s+", "", nfkc(value))


@dataclass(frozen=True, eq=False)
class Config:
    """Everything the checks need to know about the municipality.  Build with `from_mapping`."""

    name: str = "鏡野町"
    official_domains: tuple[str, ...] = ()
    official_email_domains: tuple[str, ...] = ()
    official_phones: tuple[str, ...] = ()
    public_addresses: tuple[str, ...] = ()
    official_accounts: tuple[str, ...] = ()
    facility_names: tuple[str, ...] = ()
    rules: Mapping[str, RuleSettings] = field(default_factory=dict)

    @classmethod
    def default(cls) -> Config:
        return _default_config()

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Config:
        """Build from the TOML structure ({"municipality": {...}, "rules": {...}}).

        Municipality keys that are absent keep the built-in default (the town of the guideline).
        Raises ConfigError naming the offending key.
        """
        from kagami.contentchecks.engine import RULES  # the rule table, with every rule loaded

        if not isinstance(data, Mapping):
            raise ConfigError("", "設定は表（キーと値の組）でなければなりません")
        for key in data:
            # `accounts` and `moderation` belong to comment screening (kagami.screening), which
            # reads the same file; they are checked there.
            if key not in ("municipality", "rules", "accounts", "moderation"):
                raise ConfigError(
                    str(key),
                    "不明なキーです（municipality、rules、accounts、moderation が使えます）",
                )
        muni = data.get("municipality", {})
        if not isinstance(muni, Mapping):
            raise ConfigError("municipality", "表でなければなりません")
        values: dict[str, Any] = dict(_DEFAULT_MUNICIPALITY)
        for key, value in muni.items():
            where = f"municipality.{key}"
            if key not in _MUNICIPALITY_KEYS:
                raise ConfigError(where, "不明なキーです")
            if key == "name":
                if not isinstance(value, str) or not value.strip():
                    raise ConfigError(where, "空でない文字列が必要です")
            elif not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
                raise ConfigError(where, f"文字列の配列が必要です（値: {value!r}）")
            values[key] = value
        domains = []
        for key in ("official_domains", "official_email_domains"):
            cleaned = []
            for d in values[key]:
                d2 = nfkc(d).strip().lower().rstrip(".").removeprefix("@")
                if not re.fullmatch(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}", d2):
                    raise ConfigError(f"municipality.{key}", f"ドメイン名として読めません: {d!r}")
                cleaned.append(d2)
            domains.append(tuple(cleaned))
        phones = []
        for p in values["official_phones"]:
            digits = phone_digits(p)
            if not re.fullmatch(r"0\d{9,10}", digits):
                raise ConfigError(
                    "municipality.official_phones", f"電話番号として読めません（10桁か11桁）: {p!r}"
                )
            phones.append(p)
        accounts = tuple(a.strip().lstrip("@").lower() for a in values["official_accounts"])

        rules_in = data.get("rules", {})
        if not isinstance(rules_in, Mapping):
            raise ConfigError("rules", "表でなければなりません")
        rules: dict[str, RuleSettings] = {}
        for rule_id, body in rules_in.items():
            where = f'rules."{rule_id}"'
            rule = RULES.get(rule_id)
            if rule is None:
                raise ConfigError(where, "不明なルールIDです")
            if not isinstance(body, Mapping):
                raise ConfigError(where, "表でなければなりません")
            enabled = body.get("enabled", True)
            if not isinstance(enabled, bool):
                raise ConfigError(f"{where}.enabled", "true か false を指定してください")
            severity = body.get("severity")
            if severity is not None and severity not in SEVERITIES:
                raise ConfigError(
                    f"{where}.severity", "error, warning, info のいずれかを指定してください"
                )
            options: dict[str, Any] = {
                name: default for name, (_t, default) in rule.options.items()
            }
            for key, option in body.items():
                opt: Any = option
                if key in ("enabled", "severity"):
                    continue
                if key not in rule.options:
                    allowed = ", ".join(["enabled", "severity", *rule.options])
                    raise ConfigError(
                        f"{where}.{key}", f"このルールでは使えないキーです（{allowed}）"
                    )
                typ = rule.options[key][0]
                if (isinstance(option, bool) and typ is not bool) or not isinstance(option, typ):
                    raise ConfigError(f"{where}.{key}", f"値の型が違います（値: {opt!r}）")
                if key == "words" and not all(isinstance(w, str) and w.strip() for w in opt):
                    raise ConfigError(f"{where}.{key}", "空でない文字列の配列が必要です")
                if key == "limit" and (opt < 0):
                    raise ConfigError(f"{where}.{key}", "0以上の整数が必要です")
                if key == "limits":
                    for pname, limit in opt.items():
                        if platform_key(pname) != pname:
                            raise ConfigError(
                                f"{where}.{key}.{pname}",
                                f"不明な投稿先です（{', '.join(PLATFORMS)}）",
                            )
                        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
                            raise ConfigError(f"{where}.{key}.{pname}", "0以上の整数が必要です")
                options[key] = opt
            rules[rule_id] = RuleSettings(enabled, severity, options)
        return cls(
            name=values["name"],
            official_domains=domains[0],
            official_email_domains=domains[1],
            official_phones=tuple(phones),
            public_addresses=tuple(values["public_addresses"]),
            official_accounts=accounts,
            facility_names=tuple(values["facility_names"]),
            rules=rules,
        )

    @classmethod
    def from_toml(cls, path: str | Path) -> Config:
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

    # --- precomputed once per Config ------------------------------------------------------------

    def settings(self, rule_id: str) -> RuleSettings:
        return self.resolved_rules[rule_id]

    @cached_property
    def resolved_rules(self) -> dict[str, RuleSettings]:
        from kagami.contentchecks.engine import RULES

        return {
            rid: self.rules.get(rid)
            or RuleSettings(True, None, {k: d for k, (_t, d) in rule.options.items()})
            for rid, rule in RULES.items()
        }

    @cached_property
    def enabled_rules(self) -> tuple[tuple[Rule, RuleSettings], ...]:
        """The enabled rules in table order, with their settings."""
        from kagami.contentchecks.engine import RULES

        resolved = self.resolved_rules
        return tuple((r, resolved[r.id]) for r in RULES.values() if resolved[r.id].enabled)

    @cached_property
    def phone_set(self) -> frozenset[str]:
        return frozenset(phone_digits(p) for p in self.official_phones)

    @cached_property
    def domain_set(self) -> frozenset[str]:
        return frozenset(self.official_domains)

    @cached_property
    def email_domain_set(self) -> frozenset[str]:
        return frozenset(self.official_email_domains)

    @cached_property
    def account_set(self) -> frozenset[str]:
        return frozenset(self.official_accounts)

    @cached_property
    def address_keys(self) -> tuple[str, ...]:
        return tuple(address_key(a) for a in self.public_addresses)

    @cached_property
    def facility_keys(self) -> tuple[str, ...]:
        return tuple(k for k in (address_key(f) for f in self.facility_names) if k)

    @cached_property
    def cache(self) -> dict[str, Any]:
        """Per-Config storage for rules' precomputed objects (automata, regexes)."""
        return {}


_DEFAULT: list[Config] = []


def _default_config() -> Config:
    if not _DEFAULT:
        _DEFAULT.append(Config.from_mapping({}))
    return _DEFAULT[0]
