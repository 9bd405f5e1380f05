import io
import json
import subprocess
import sys
from pathlib import Path

from kagami.contentchecks.cli import main

ROOT = Path(__file__).resolve().parents[3]


def kagami(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kagami", "check", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def test_cli_jsonl_reports_bad_lines_and_goes_on(tmp_path):
    path = tmp_path / "posts.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps(
                    {
                        "id": "p1",
                        "text": "11月24日(月)は収集日です",
                        "publish_at": "2026-11-20T09:00:00+09:00",
                    }
                ),
                "{not json",
                json.dumps({"id": "p3", "platforms": ["x"]}),
                json.dumps({"id": "p4", "text": "写真", "images": [{"alt": None, "source": None}]}),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    result = kagami("--jsonl", str(path))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line.get("id") for line in lines] == ["p1", None, "p3", "p4"]
    assert lines[0]["findings"][0]["rule"] == "accuracy.weekday-mismatch"
    assert lines[0]["findings"][0]["suggestion"] == "火"
    assert "error" in lines[1] and "error" in lines[2]
    assert {f["rule"] for f in lines[3]["findings"]} == {
        "a11y.missing-alt",
        "copyright.image-source-missing",
    }
    assert all(f["start"] is None for f in lines[3]["findings"])


def test_cli_bad_config_exits_2_naming_the_key(tmp_path):
    config = tmp_path / "town.toml"
    config.write_text('[rules."a11y.emoji-overuse"]\nlimit = "many"\n', encoding="utf-8")
    result = kagami("--config", str(config), "-", stdin="テスト")
    assert result.returncode == 2
    assert 'rules."a11y.emoji-overuse".limit' in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_single_post_text_output_from_stdin():
    result = kagami("--platform", "x", "--at", "2026-11-20T09:00:00+09:00", "-", stdin="①受付 ｶﾅ")
    assert result.returncode == 0
    assert result.stdout.splitlines()[0].startswith(
        "0:1 error a11y.machine-dependent-char (G-5-1-b) 「①」は機種依存文字です。"
    )
    assert result.stdout.splitlines()[0].endswith("→ (1)")


def test_cli_single_post_json_output_from_file(tmp_path):
    path = tmp_path / "post.txt"
    path.write_text("詳細は http://bit.ly/abc", encoding="utf-8")
    out = io.StringIO()
    assert main(["--format", "json", str(path)], stdout=out) == 0
    rules = {f["rule"] for f in json.loads(out.getvalue())["findings"]}
    assert rules == {"link.insecure", "link.shortener"}


def test_cli_usage_errors_exit_2():
    err = io.StringIO()
    assert (
        main(
            ["--platform", "myspace", "-"], stdin=io.BytesIO(b"x"), stdout=io.StringIO(), stderr=err
        )
        == 2
    )
    assert "myspace" in err.getvalue()
    assert (
        main(
            ["--at", "yesterday", "-"],
            stdin=io.BytesIO(b"x"),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
        == 2
    )
    assert main(["/no/such/file"], stdout=io.StringIO(), stderr=io.StringIO()) == 2
    assert main(["--bogus"], stdout=io.StringIO(), stderr=io.StringIO()) == 2


def test_cli_jsonl_from_stdin_uses_platform_and_at_defaults():
    stdin = io.BytesIO(json.dumps({"id": 7, "text": "秋祭り"}).encode() + b"\n")
    out = io.StringIO()
    assert main(["--jsonl", "-", "--platform", "instagram"], stdin=stdin, stdout=out) == 0
    [line] = [json.loads(x) for x in out.getvalue().splitlines()]
    assert line["id"] == 7
    assert [f["rule"] for f in line["findings"]] == ["platform.media-required"]
