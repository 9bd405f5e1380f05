import io
import json
import subprocess
import sys
from pathlib import Path

from kagami.screening.cli import main

from .helpers import CONFIG_TOML

ROOT = Path(__file__).resolve().parents[3]


def run(*args: str, stdin: str = "") -> tuple[int, list[dict], str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), stdin=io.BytesIO(stdin.encode("utf-8")), stdout=out, stderr=err)
    return code, [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def lines(*objs: object) -> str:
    return "".join(
        (o if isinstance(o, str) else json.dumps(o, ensure_ascii=False)) + "\n" for o in objs
    )


def test_stdin_one_output_line_per_input_line_in_order():
    code, out, err = run(
        "--jsonl",
        "-",
        stdin=lines(
            {"id": "c1", "text": "役場を燃やしてやる", "platform": "x"},
            "{not json",
            {"id": "c3", "author": {"handle": "@a"}},
            "",
            {"id": "c5", "text": "街灯が切れています", "at": "2026-11-24T09:00:00+09:00"},
            [1, 2],
            {"id": "c7", "text": "ありがとう", "at": "yesterday"},
            {"id": "c8", "text": "いいね", "author": "someone"},
        ),
    )
    assert code == 0 and err == ""
    assert [o.get("id") for o in out] == ["c1", None, "c3", None, "c5", None, "c7", "c8"]
    assert out[0]["verdict"] == "remove"
    assert out[0]["categories"][0]["category"] == "crime"
    assert out[0]["route"] is None
    for i in (1, 2, 3, 5, 6, 7):
        assert set(out[i]) == {"id", "error"}, out[i]
    assert "text" in out[2]["error"]
    assert out[4] == {
        "id": "c5",
        "verdict": "route",
        "categories": [],
        "route": "街灯・信号の不具合の通報",
    }


def test_file_and_config(tmp_path):
    data = tmp_path / "comments.jsonl"
    data.write_text(
        lines(
            {"id": 1, "text": "中村の自宅の住所教えろ"},
            {"id": 2, "text": "お知らせです", "author": {"handle": "@kagamino_town", "name": "x"}},
            {"id": 3, "text": "お知らせです", "author": {"handle": "@kagamin0_town", "name": "x"}},
        ),
        encoding="utf-8",
    )
    config = tmp_path / "town.toml"
    config.write_text(CONFIG_TOML, encoding="utf-8")
    code, out, _ = run("--jsonl", str(data), "--config", str(config))
    assert code == 0
    assert [o["verdict"] for o in out] == ["remove", "keep", "remove"]
    assert out[0]["categories"][0]["category"] == "harassment"
    assert out[2]["categories"][0]["category"] == "impersonation"


def test_history_runs_across_lines():
    row = {"id": "x", "text": "フォローしてね", "author": {"handle": "@bot"}}
    _, out, _ = run("--jsonl", "-", stdin=lines(row, row, row))
    assert [o["verdict"] for o in out] == ["keep", "keep", "remove"]


def test_usage_errors_exit_2(tmp_path):
    assert run()[0] == 2
    code, out, err = run("--jsonl", str(tmp_path / "missing.jsonl"))
    assert code == 2 and out == [] and "missing.jsonl" in err
    bad = tmp_path / "bad.toml"
    bad.write_text('[moderation]\nstaff_names = "中村"\n', encoding="utf-8")
    code, _, err = run("--jsonl", "-", "--config", str(bad))
    assert code == 2 and "moderation.staff_names" in err
    bad.write_text("[accounts]\nunknown = []\n", encoding="utf-8")
    assert run("--jsonl", "-", "--config", str(bad))[0] == 2
    assert run("--jsonl", "-", "--bogus")[0] == 2


def test_invalid_utf8_line_is_reported_and_the_run_goes_on():
    out, err = io.StringIO(), io.StringIO()
    data = b'\xff\xfe\n{"id": 2, "text": "ok"}\n'
    assert main(["--jsonl", "-"], stdin=io.BytesIO(data), stdout=out, stderr=err) == 0
    first, second = (json.loads(x) for x in out.getvalue().splitlines())
    assert "error" in first and second["verdict"] == "keep"


def test_kagami_screen_runs_without_django():
    result = subprocess.run(
        [sys.executable, "-m", "kagami", "screen", "--jsonl", "-"],
        input=lines({"id": "c1", "text": "ｺﾛｽ"}),
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        timeout=60,
        check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    obj = json.loads(line)
    assert obj["verdict"] == "remove" and obj["categories"][0]["start"] == 0
    usage = subprocess.run(
        [sys.executable, "-m", "kagami", "screen"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert usage.returncode == 2 and "--jsonl" in usage.stderr
