"""`flask banks check | import | export` through Flask's CLI runner."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from quizapp import ROOT
from quizapp.bank_loader import BankError, load_banks
from quizapp.db import Base, get_engine
from quizapp.services.sources import citation

FIXTURES = Path(__file__).parent / "fixtures" / "banks"
VALID = FIXTURES / "valid"
BROKEN = FIXTURES / "broken"
SHIPPED_DIR = ROOT / "question_banks"
SUMMARY = re.compile(r"^(?P<slug>[a-z0-9-]+): (?P<total>\d+) questions, (?P<usable>\d+) usable", re.M)


def snapshot(app) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, read on a fresh connection (what is committed)."""
    with get_engine(app).connect() as conn:
        return {
            table.name: [tuple(row) for row in conn.execute(table.select().order_by(*table.primary_key))]
            for table in Base.metadata.sorted_tables
        }


def broken_problems() -> list[str]:
    with pytest.raises(BankError) as caught:
        load_banks([BROKEN])
    return [str(p) for p in caught.value.problems]


# ---- check ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [[], [str(SHIPPED_DIR)]], ids=["default", "question_banks"])
def test_check_shipped_banks(app, runner, args):
    before = snapshot(app)
    result = runner.invoke(args=["banks", "check", *args])
    assert result.exit_code == 0, result.output
    modules = {m["slug"]: int(m["usable"]) for m in SUMMARY.finditer(result.stdout)}
    assert set(modules) == {"procedure-steps", "depth-selection", "contraindications", "aftercare"}
    assert all(usable >= 40 for usable in modules.values()), result.stdout  # issue 12: 40 usable per module
    # The shipped banks pass every quality lint (CI runs `banks check --strict`).
    assert re.search(r"\nOK: 4 module\(s\) valid\.$", result.stdout.rstrip()), result.stdout
    assert "types: " in result.stdout and result.stderr == ""
    assert snapshot(app) == before


def test_check_lists_every_problem_with_file_and_line(app, runner):
    before = snapshot(app)
    result = runner.invoke(args=["banks", "check", str(BROKEN)])
    assert result.exit_code == 1
    expected = broken_problems()
    assert result.stderr.splitlines()[: len(expected)] == expected
    assert f"Error: {len(expected)} problem(s) found; the banks are not valid." in result.stderr
    named = {Path(line.split(":", 1)[0]).name for line in expected}
    assert {p.name for p in BROKEN.glob("*.yaml")} - {"sources.yaml", "duplicate_id_first.yaml"} <= named
    assert "Traceback" not in result.output and "OK:" not in result.stdout
    assert snapshot(app) == before


def test_check_one_broken_file_shows_file_line_id_problem(runner):
    path = BROKEN / "true_false.yaml"
    result = runner.invoke(args=["banks", "check", str(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}:10: tf-quoted: answer must be true or false, not 'false'",
        f"{path}:16: tf-missing: missing key 'answer'",
        "Error: 2 problem(s) found; the banks are not valid. Fix them and run again.",
    ]


@pytest.mark.parametrize("command", ["check", "import"])
def test_a_path_that_does_not_exist_is_a_usage_error(app, runner, tmp_path, command):
    before = snapshot(app)
    result = runner.invoke(args=["banks", command, str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "does not exist" in result.output and "Traceback" not in result.output
    assert snapshot(app) == before


# ---- import ---------------------------------------------------------------------------------------------


def test_import_prints_counts_and_is_idempotent(runner):
    first = runner.invoke(args=["banks", "import", str(VALID)])
    assert first.exit_code == 0, first.output
    assert first.stdout == (
        "Imported alpha, beta: 10 created, 0 updated, 0 retired, 0 unchanged.\n"
        "Review status kept as in the files (an operator's import): 9 approved, 1 draft among the created and "
        "updated questions.\n"
    )
    second = runner.invoke(args=["banks", "import", str(VALID)])
    assert second.stdout == "Imported alpha, beta: 0 created, 0 updated, 0 retired, 10 unchanged.\n"


def test_import_defaults_to_the_shipped_banks(runner):
    total = sum(len(m.questions) for m in load_banks([SHIPPED_DIR]).modules)
    result = runner.invoke(args=["banks", "import"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Imported procedure-steps, depth-selection, contraindications, aftercare: "
        f"{total} created, 0 updated, 0 retired, 0 unchanged.\n"
        f"Review status kept as in the files (an operator's import): {total} approved, 0 draft among the created "
        "and updated questions.\n"
    )


def test_failed_import_writes_nothing(app, runner, tmp_path):
    runner.invoke(args=["banks", "import", str(VALID)])
    data = yaml.safe_load((VALID / "alpha.yaml").read_text(encoding="utf-8"))
    data["questions"][0]["stem"] = "Changed, and would be version 2"
    (tmp_path / "alpha.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    shutil.copy(VALID / "sources.yaml", tmp_path)
    shutil.copy(BROKEN / "ordering.yaml", tmp_path)
    before = snapshot(app)

    result = runner.invoke(args=["banks", "import", str(tmp_path)])

    assert result.exit_code == 1
    assert f"{tmp_path / 'ordering.yaml'}:10: ordering-two: needs at least 3 items, has 2" in result.stderr
    assert "nothing was imported" in result.stderr and "Imported" not in result.stdout
    assert snapshot(app) == before
    broken = runner.invoke(args=["banks", "import", str(BROKEN)])
    assert broken.exit_code == 1 and snapshot(app) == before


def test_import_if_empty_fills_an_empty_database_only(app, runner, tmp_path):
    first = runner.invoke(args=["banks", "import", "--if-empty", str(VALID)])
    assert first.exit_code == 0 and first.stdout.startswith("Imported alpha, beta: 10 created")
    before = snapshot(app)
    data = yaml.safe_load((VALID / "beta.yaml").read_text(encoding="utf-8"))
    data["module"]["pass_mark"] = 90
    (tmp_path / "beta.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    shutil.copy(VALID / "sources.yaml", tmp_path)

    second = runner.invoke(args=["banks", "import", "--if-empty", str(tmp_path / "beta.yaml")])

    assert second.exit_code == 0
    assert second.stdout == "Modules already imported; leaving the database as it is (--if-empty).\n"
    assert snapshot(app) == before


# ---- export ---------------------------------------------------------------------------------------------


def test_export_to_stdout_round_trips(runner, tmp_path):
    runner.invoke(args=["banks", "import", str(VALID)])
    result = runner.invoke(args=["banks", "export", "alpha", "--format", "yaml"])
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(result.stdout)
    assert data["module"]["slug"] == "alpha" and len(data["questions"]) == 9
    exported = tmp_path / "alpha.yaml"
    exported.write_text(result.stdout, encoding="utf-8")
    shutil.copy(VALID / "sources.yaml", tmp_path)
    again = runner.invoke(args=["banks", "import", str(exported)])
    assert again.stdout == "Imported alpha: 0 created, 0 updated, 0 retired, 9 unchanged.\n"


def test_export_to_a_file(runner, tmp_path):
    runner.invoke(args=["banks", "import", str(SHIPPED_DIR)])
    stdout = runner.invoke(args=["banks", "export", "depth-selection"]).stdout
    target = tmp_path / "depth.yaml"
    result = runner.invoke(args=["banks", "export", "depth-selection", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Wrote {target}.\n"
    assert target.read_text(encoding="utf-8") == stdout
    (module,) = load_banks([target], sources_path=SHIPPED_DIR / "sources.yaml").modules
    assert module.slug == "depth-selection" and len(module.usable) >= 30


def test_export_of_an_unknown_module_is_a_clear_error(runner):
    result = runner.invoke(args=["banks", "export", "no-such-module"])
    assert result.exit_code == 1
    assert result.stderr == "Error: No module 'no-such-module'.\n"
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output


def test_export_in_an_unknown_format_is_a_usage_error(runner):
    result = runner.invoke(args=["banks", "export", "alpha", "--format", "xml"])
    assert result.exit_code == 2 and "Invalid value for '--format'" in result.stderr


# ---- question_banks/README.md shows real behaviour ------------------------------------------------------


README = SHIPPED_DIR / "README.md"


def test_readme_error_output_is_what_check_prints(runner, monkeypatch):
    block = re.search(r"```text\n\$ flask --app wsgi (banks check .*?)\n(.*?)```", README.read_text(), re.S)
    assert block, "the README shows a failing `banks check` run"
    command, shown = block.group(1).split(), block.group(2)
    monkeypatch.chdir(ROOT)
    result = runner.invoke(args=command)
    assert result.exit_code == 1
    assert result.stderr == shown


def test_readme_yaml_examples_are_valid_questions(tmp_path):
    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text(), re.S)
    layout = yaml.safe_load(next(b for b in blocks if b.startswith("module:")))
    questions = [q for b in blocks if b.startswith("  - id:") for q in yaml.safe_load(b)]
    assert sorted({q["type"] for q in questions}) == sorted(
        ["single", "multiple", "true_false", "numeric", "ordering", "matching"]
    )
    layout["questions"] += questions
    layout["module"]["questions_per_attempt"] = 1
    layout["module"]["draw"] = [{"tag": "face", "count": 1}]
    path = tmp_path / "readme.yaml"
    path.write_text(yaml.safe_dump(layout, allow_unicode=True), encoding="utf-8")
    (module,) = load_banks([path], sources_path=SHIPPED_DIR / "sources.yaml").modules
    assert len(module.questions) == len(questions) + 1


def test_export_to_unwritable_path_is_a_clear_error(runner):
    runner.invoke(args=["banks", "import"])
    result = runner.invoke(args=["banks", "export", "aftercare", "-o", "/no/such/dir/x.yaml"])
    assert result.exit_code == 1
    assert "Cannot write /no/such/dir/x.yaml" in result.output
    assert "Traceback" not in result.output


def _thief_file(tmp_path: Path) -> Path:
    """A bank for module 'thief' that reuses an id of the valid fixture's module alpha."""
    shutil.copy(VALID / "sources.yaml", tmp_path / "sources.yaml")
    alpha = yaml.safe_load((VALID / "alpha.yaml").read_text(encoding="utf-8"))
    stolen = next(q for q in alpha["questions"] if q["id"] == "alpha-tf-1")
    data = {"module": {**alpha["module"], "slug": "thief", "questions_per_attempt": 1, "draw": []}}
    data["questions"] = [stolen]
    path = tmp_path / "thief.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def test_import_refuses_to_move_a_question_from_another_module(app, runner, tmp_path):
    assert runner.invoke(args=["banks", "import", str(VALID)]).exit_code == 0
    before = snapshot(app)
    result = runner.invoke(args=["banks", "import", str(_thief_file(tmp_path))])
    assert result.exit_code == 1
    assert "alpha-tf-1 (alpha → thief)" in result.output and "--allow-move" in result.output
    assert "Traceback" not in result.output
    assert snapshot(app) == before


def test_import_allow_move_moves_and_names_both_modules(app, runner, tmp_path):
    assert runner.invoke(args=["banks", "import", str(VALID)]).exit_code == 0
    result = runner.invoke(args=["banks", "import", "--allow-move", str(_thief_file(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "moved from other modules: alpha-tf-1 (alpha → thief); modules affected: thief, alpha" in result.output


def test_check_takes_the_sources_list_from_the_configured_banks_dir(make_app, tmp_path):
    """A bank file with no sources.yaml beside it is checked against QUESTION_BANKS_DIR's list."""
    banks_dir, elsewhere = tmp_path / "configured", tmp_path / "elsewhere"
    banks_dir.mkdir()
    elsewhere.mkdir()
    shutil.copy(VALID / "sources.yaml", banks_dir / "sources.yaml")
    shutil.copy(VALID / "beta.yaml", elsewhere / "beta.yaml")
    runner = make_app(QUESTION_BANKS_DIR=str(banks_dir)).test_cli_runner()
    result = runner.invoke(args=["banks", "check", str(elsewhere / "beta.yaml")])
    assert result.exit_code == 0, result.output
    (banks_dir / "sources.yaml").unlink()
    result = runner.invoke(args=["banks", "check", str(elsewhere / "beta.yaml")])
    assert result.exit_code == 1
    assert f"{banks_dir / 'sources.yaml'}:0: -: sources list not found" in result.output


def test_readme_sources_example_is_the_shipped_list_and_reads_as_it_says():
    text = README.read_text()
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if b.startswith("sources:"))
    example = yaml.safe_load(block)["sources"]
    shipped = yaml.safe_load((SHIPPED_DIR / "sources.yaml").read_text(encoding="utf-8"))["sources"]
    assert example == {sid: shipped[sid] for sid in example}
    said = re.findall(r"^- `(.*)`$", text.split("above read:", 1)[1].split("\n\n", 2)[1], re.M)
    assert said == [citation(entry) for entry in example.values()]
