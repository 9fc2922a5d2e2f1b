"""Reading seed files: good lines flow, bad lines are quarantined with file:line reasons."""

import json

import pytest

from assets.common.seeds import (
    SeedFileError,
    fingerprint,
    read_seed_file,
    require_fields,
    write_quarantine,
)

validate = require_fields("question", types={"question": str})


def test_valid_lines_keep_their_line_numbers(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text('{"question": "a"}\n\n{"question": "b"}\n')
    seeds = read_seed_file(path, validate)
    assert [(r["question"], r["seed_line"]) for r in seeds.rows] == [("a", 1), ("b", 3)]
    assert seeds.bad == []


def test_bad_lines_are_quarantined_with_their_line_and_reason(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text('{"question": "ok"}\n{not json\n[1, 2]\n{"question": 3}\n{"other": 1}\n')
    seeds = read_seed_file(path, validate)
    assert len(seeds.rows) == 1
    reasons = {b.line: b.reason for b in seeds.bad}
    assert reasons[2].startswith("invalid JSON")
    assert "expected a JSON object" in reasons[3]
    assert "should be str" in reasons[4]
    assert "missing field(s): question" in reasons[5]
    assert all(b.file == str(path) for b in seeds.bad)


def test_an_oversized_line_is_quarantined_without_stopping_the_file(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text(json.dumps({"question": "x" * 2000}) + "\n" + '{"question": "fine"}\n')
    seeds = read_seed_file(path, validate, max_line_bytes=1000)
    assert [r["question"] for r in seeds.rows] == ["fine"]
    assert "limit is 1,000" in seeds.bad[0].reason


@pytest.mark.parametrize(
    "content, message",
    [(b"", "empty"), (b"\x00\x01\x02binary", "binary"), (b"{bad\n{worse\n", "no valid seed line")],
)
def test_unusable_files_fail_with_a_message_naming_the_file(tmp_path, content, message):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(content)
    with pytest.raises(SeedFileError, match=message) as info:
        read_seed_file(path, validate)
    assert str(path) in str(info.value)


def test_a_missing_file_says_it_was_removed(tmp_path):
    with pytest.raises(SeedFileError, match="not found"):
        read_seed_file(tmp_path / "gone.jsonl", validate)


def test_a_json_array_file_is_read_item_by_item(tmp_path):
    path = tmp_path / "pool.json"
    path.write_text('[{"question": "a"}, {"nope": 1}]')
    seeds = read_seed_file(path, validate)
    assert len(seeds.rows) == 1 and seeds.bad[0].line == 2


def test_the_quarantine_report_lists_bad_lines_and_disappears_when_fixed(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text('{"question": "a"}\n{bad\n')
    report = write_quarantine(tmp_path / "q", "fam", "s.jsonl", read_seed_file(path, validate).bad)
    assert report is not None
    assert json.loads(report.read_text().splitlines()[0])["line"] == 2
    assert write_quarantine(tmp_path / "q", "fam", "s.jsonl", []) is None
    assert not report.exists()


def test_the_fingerprint_of_what_a_run_read_is_the_sensors_fingerprint_of_the_file(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"mode": "taco", "question": "q"}\n' * 1000)
    assert read_seed_file(path).fingerprint == fingerprint(path)
