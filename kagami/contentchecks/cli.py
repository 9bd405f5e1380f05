"""`kagami check`: run the content checks from the command line (no Django, no database)."""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from kagami.contentchecks.config import Config, ConfigError
from kagami.contentchecks.engine import check
from kagami.contentchecks.model import JST, Finding, Image, Post, now_tokyo
from kagami.contentchecks.platforms import PLATFORMS, platform_key

USAGE_ERROR = 2


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse would exit; we return 2 from main instead
        raise UsageError(message)


def _parser() -> _Parser:
    p = _Parser(
        prog="kagami check",
        description="投稿文をガイドライン G-5-1 の項目で点検します。",
    )
    p.add_argument(
        "file", nargs="?", default="-", metavar="FILE|-", help="投稿文のファイル（- は標準入力）"
    )
    p.add_argument("--jsonl", metavar="FILE|-", help="1行に1投稿の JSON Lines を読む")
    p.add_argument("--config", metavar="FILE", help="自治体の設定（TOML）")
    p.add_argument(
        "--platform",
        action="append",
        default=[],
        metavar="NAME",
        help="投稿先（繰り返し可）: " + ", ".join(PLATFORMS),
    )
    p.add_argument("--at", metavar="ISO8601", help="公開日時（省略時は現在、日本時間）")
    p.add_argument("--format", choices=("text", "json"), default="text", help="出力形式")
    return p


def parse_time(value: str) -> datetime:
    dt = datetime.fromisoformat(value.strip())
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=JST)


def _platforms(names: Sequence[Any]) -> tuple[str, ...]:
    out = []
    for name in names:
        if not isinstance(name, str) or platform_key(name) is None:
            raise ValueError(f"未対応の投稿先です: {name!r}（使えるのは {', '.join(PLATFORMS)}）")
        out.append(platform_key(name) or name)
    return tuple(out)


def post_from_json(obj: Any, default_platforms: tuple[str, ...], default_at: datetime) -> Post:
    """Build a Post from one --jsonl object; ValueError with a Japanese reason if it is wrong."""
    if not isinstance(obj, dict):
        raise ValueError("JSON オブジェクトではありません")
    text = obj.get("text")
    if not isinstance(text, str):
        raise ValueError("text（文字列）がありません")
    platforms = obj.get("platforms")
    if platforms is None:
        plats = default_platforms
    elif isinstance(platforms, list):
        plats = _platforms(platforms)
    else:
        raise ValueError("platforms は文字列の配列でなければなりません")
    at = obj.get("publish_at")
    if at is None:
        when = default_at
    elif isinstance(at, str):
        try:
            when = parse_time(at)
        except ValueError:
            raise ValueError(f"publish_at を日時として読めません: {at!r}") from None
    else:
        raise ValueError("publish_at は ISO 8601 の文字列でなければなりません")
    written = obj.get("written_for")
    written_for = None
    if isinstance(written, str):
        try:
            written_for = parse_time(written)
        except ValueError:
            raise ValueError(f"written_for を日時として読めません: {written!r}") from None
    elif written is not None:
        raise ValueError("written_for は ISO 8601 の文字列でなければなりません")
    images_in = obj.get("images") or []
    if not isinstance(images_in, list):
        raise ValueError("images は配列でなければなりません")
    images = []
    for i, img in enumerate(images_in, start=1):
        if not isinstance(img, dict):
            raise ValueError(f"images の{i}番目がオブジェクトではありません")
        alt, source = img.get("alt"), img.get("source")
        if (alt is not None and not isinstance(alt, str)) or (
            source is not None and not isinstance(source, str)
        ):
            raise ValueError(f"images の{i}番目の alt と source は文字列か null です")
        images.append(Image(alt=alt, source=source))
    return Post(
        text=text,
        platforms=plats,
        publish_at=when,
        images=tuple(images),
        written_for=written_for,
    )


def format_text(findings: Sequence[Finding]) -> str:
    lines = []
    for f in findings:
        where = f"{f.start}:{f.end}" if f.start is not None else "-"
        line = f"{where} {f.severity} {f.rule} ({f.clause}) {f.message}"
        if f.suggestion:
            line += f" → {f.suggestion}"
        lines.append(line)
    return "".join(line + "\n" for line in lines)


def _open_input(name: str, stdin: IO[bytes]) -> IO[bytes]:
    if name == "-":
        return stdin
    return Path(name).open("rb")  # closed by the caller


def _run_jsonl(
    source: IO[bytes], out: IO[str], config: Config, plats: tuple[str, ...], at: datetime
) -> None:
    for lineno, raw in enumerate(source, start=1):
        if not raw.strip():
            continue
        ident: Any = None
        try:
            obj = json.loads(raw.decode("utf-8"))
            if isinstance(obj, dict):
                ident = obj.get("id")
            post = post_from_json(obj, plats, at)
            result: dict[str, Any] = {
                "id": ident,
                "findings": [f.to_dict() for f in check(post, config)],
            }
        except UnicodeDecodeError:
            result = {"id": None, "line": lineno, "error": "UTF-8 として読めない行です"}
        except json.JSONDecodeError as exc:
            result = {
                "id": None,
                "line": lineno,
                "error": f"JSON として読めません: {exc.msg}（{exc.colno}文字目）",
            }
        except ValueError as exc:
            result = {"id": ident, "line": lineno, "error": str(exc)}
        except Exception as exc:  # never a traceback for the user; report the line and go on
            result = {"id": ident, "line": lineno, "error": f"点検中にエラーが起きました: {exc!r}"}
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()


def main(
    argv: list[str],
    *,
    stdin: IO[bytes] | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
) -> int:
    """`kagami check` (argv without "check").  0 when every post was read, 2 on a usage error."""
    in_bytes = stdin if stdin is not None else sys.stdin.buffer
    out = (
        stdout
        if stdout is not None
        else io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="\n", write_through=True)
    )
    err = stderr if stderr is not None else sys.stderr
    try:
        try:
            args = _parser().parse_args(argv)
        except SystemExit as exc:  # --help
            return int(exc.code or 0)
        config = Config.from_toml(args.config) if args.config else Config.default()
        plats = _platforms(args.platform)
        at = parse_time(args.at) if args.at else now_tokyo()
        if args.jsonl is not None:
            source = _open_input(args.jsonl, in_bytes)
            try:
                _run_jsonl(source, out, config, plats, at)
            finally:
                if source is not in_bytes:
                    source.close()
            return 0
        source = _open_input(args.file, in_bytes)
        try:
            data = source.read()
        finally:
            if source is not in_bytes:
                source.close()
        text = data.decode("utf-8")
        findings = check(Post(text=text, platforms=plats, publish_at=at), config)
        if args.format == "json":
            out.write(
                json.dumps({"findings": [f.to_dict() for f in findings]}, ensure_ascii=False) + "\n"
            )
        else:
            out.write(format_text(findings))
        return 0
    except UsageError as exc:
        err.write(f"kagami check: {exc}\n")
        err.write(_parser().format_usage())
        return USAGE_ERROR
    except ConfigError as exc:
        err.write(f"kagami check: {exc}\n")
        return USAGE_ERROR
    except UnicodeDecodeError:
        err.write("kagami check: 入力が UTF-8 ではありません\n")
        return USAGE_ERROR
    except OSError as exc:
        err.write(f"kagami check: 入力を読めません: {exc.filename or ''} {exc.strerror or exc}\n")
        return USAGE_ERROR
    except ValueError as exc:
        err.write(f"kagami check: {exc}\n")
        return USAGE_ERROR
    finally:
        if stdout is None:
            try:
                out.flush()
                out.detach()  # type: ignore[attr-defined]
            except (ValueError, AttributeError, OSError):
                pass
