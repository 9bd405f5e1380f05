"""The labelled set (data/cases.jsonl): accuracy, and no legitimate comment in a removal queue.

Each line: id, text, author, expect (remove/review/route/keep), category (for remove/review), note.
The set is screened as one run, in order: the history cases (repetition, targeting) rely on it.
"""

import json
from collections import Counter
from pathlib import Path

from kagami.screening import screen
from kagami.screening.cli import comment_from_json

from .helpers import FACTS

CASES = Path(__file__).parent / "data" / "cases.jsonl"


def _run():
    rows = [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines()]
    results = screen([comment_from_json(r) for r in rows], FACTS)
    return rows, results


def test_the_set_is_large_and_covers_every_verdict():
    rows, _ = _run()
    counts = Counter(r["expect"] for r in rows)
    assert len(rows) >= 150
    assert counts["remove"] >= 50 and counts["review"] >= 8
    assert counts["route"] >= 30 and counts["keep"] >= 50
    removed = {r["category"] for r in rows if r["expect"] == "remove"}
    assert removed >= {
        "defamation", "discrimination", "privacy", "impersonation", "falsehood", "commercial",
        "political", "religious", "crime", "obscene", "ip", "malware", "spam", "harassment",
    }  # fmt: skip


def test_accuracy_is_at_least_95_percent():
    rows, results = _run()
    wrong = []
    for row, result in zip(rows, results, strict=True):
        categories = {c.category for c in result.categories}
        ok = result.verdict == row["expect"] and (
            "category" not in row or row["category"] in categories
        )
        if not ok:
            wrong.append(f"{row['id']} {row['text']!r}: {row['expect']} → {result.to_dict()}")
    accuracy = 1 - len(wrong) / len(rows)
    assert accuracy >= 0.95, "\n".join(wrong)


def test_no_legitimate_comment_is_proposed_for_removal_or_review():
    rows, results = _run()
    flagged = [
        f"{row['id']} {row['text']!r} → {result.verdict} {result.to_dict()['categories']}"
        for row, result in zip(rows, results, strict=True)
        if row["expect"] in ("keep", "route") and result.verdict in ("remove", "review")
    ]
    assert not flagged, "\n".join(flagged)


def test_every_route_has_a_reason_and_every_violation_a_category():
    _, results = _run()
    for result in results:
        if result.verdict == "route":
            assert result.route and not result.categories
        elif result.verdict == "keep":
            assert result.route is None and not result.categories
        else:
            assert result.categories and result.route is None
            for c in result.categories:
                assert c.reason and 0 <= c.start <= c.end
