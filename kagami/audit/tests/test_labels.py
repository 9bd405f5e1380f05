from kagami.audit.labels import action_label


def test_actions_read_as_japanese() -> None:
    assert action_label("registry.start_report_filed") == "運用開始報告書の提出"
    assert action_label("registry.start_report_filed_refused") == "運用開始報告書の提出（拒否）"
    assert action_label("auth.logged_in") == "ログイン"


def test_unknown_actions_show_their_code() -> None:
    assert action_label("test.something") == "test.something"
