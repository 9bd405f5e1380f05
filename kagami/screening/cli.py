"""`kagami screen`: screen residents' comments from JSON Lines (no Django, no database)."""

from __future__ import annotations

import argparse
import io
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from kagami.screening.engine import Screener
from kagami.screening.facts import ConfigError, Facts
from kagami.screening.model import Author, Comment

USAGE_ERROR = 2


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse would exit; we return 2 from main instead
        raise UsageError(message)


def _parser() -> _Parser:
    p = _Parser(
        prog="kagami screen",
        description="住民のコメントを利用規約の区分で仕分けます（G-6-2）。",
    )
    p.add_argument(
        "--jsonl",
        required=True,
        metavar="FILE|-",
        help="1行に1コメントの JSON Lines（- は標準入力）",
    )
    p.add_argument("--config", metavar="FILE", help="自治体の設定（kagami check と同じ TOML）")
    return p


def comment_from_json(obj: Any) -> Comment:
    """One input line as a Comment; ValueError with a Japanese reason if it is wrong."""
    if not isinstance(obj, dict):
        raise ValueError("JSON オブジェクトではありません")
    text = obj.get("text")
    if not isinstance(text, str):
        raise ValueError("text（文字列）がありません")
    author_in = obj.get("author") or {}
    if not isinstance(author_in, dict):
        raise ValueError("author はオブジェクトでなければなりません")
    handle, name = author_in.get("handle") or "", author_in.get("name") or ""
    if not isinstance(handle, str) or not isinstance(name, str):
        raise ValueError("author の handle と name は文字列でなければなりません")
    at_in = obj.get("at")
    at = None
    if isinstance(at_in, str) and at_in.strip():
        try:
            at = datetime.fromisoformat(at_in.strip())
        except ValueError:
            raise ValueError(f"at を日時として読めません: {at_in!r}") from None
        if at.tzinfo is None:
            at = None  # naive times cannot be compared with the others; ignored
    elif at_in is not None and not isinstance(at_in, str):
        raise ValueError("at は ISO 8601 の文字列でなければなりません")
    platform = obj.get("platform")
    reply_to = obj.get("reply_to")
    return Comment(
        id=obj.get("id"),
        text=text,
        author=Author(handle=handle, name=name),
        platform=platform if isinstance(platform, str) else None,
        at=at,
        reply_to=reply_to if isinstance(reply_to, str) else None,
    )


def run_jsonl(source: IO[bytes], out: IO[str], facts: Facts) -> None:
    screener = Screener(facts)
    for raw in source:
        ident: Any = None
        try:
            if not raw.strip():
                raise ValueError("空の行です")
            obj = json.loads(raw.decode("utf-8"))
            if isinstance(obj, dict):
                ident = obj.get("id")
            result: dict[str, Any] = screener.screen(comment_from_json(obj)).to_dict()
        except UnicodeDecodeError:
            result = {"id": None, "error": "UTF-8 として読めない行です"}
        except json.JSONDecodeError as exc:
            result = {"id": None, "error": f"JSON として読めません: {exc.msg}（{exc.colno}文字目）"}
        except ValueError as exc:
            result = {"id": ident, "error": str(exc)}
        except Exception as exc:  # never a traceback for the user; report the line and go on
            result = {"id": ident, "error": f"判定中にエラーが起きました: {exc!r}"}
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()


def main(
    argv: list[str],
    *,
    stdin: IO[bytes] | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
) -> int:
    """`kagami screen` (argv without "screen").  0 when every line was read, 2 on a usage error."""
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
        facts = Facts.from_toml(args.config) if args.config else Facts.default()
        if args.jsonl == "-":
            run_jsonl(in_bytes, out, facts)
        else:
            with Path(args.jsonl).open("rb") as source:
                run_jsonl(source, out, facts)
        return 0
    except UsageError as exc:
        err.write(f"kagami screen: {exc}\n")
        err.write(_parser().format_usage())
        return USAGE_ERROR
    except ConfigError as exc:
        err.write(f"kagami screen: {exc}\n")
        return USAGE_ERROR
    except OSError as exc:
        err.write(f"kagami screen: 入力を読めません: {exc.filename or ''} {exc.strerror or exc}\n")
        return USAGE_ERROR
    finally:
        if stdout is None:
            try:
                out.flush()
                out.detach()  # type: ignore[attr-defined]
            except (ValueError, AttributeError, OSError):
                pass
