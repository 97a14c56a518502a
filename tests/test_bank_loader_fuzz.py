"""Hostile bank files: the loader returns or raises BankError, nothing else; what it accepts imports cleanly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.bank_loader import BankError, load_banks
from quizapp.services.banks import import_bank

VALID = Path(__file__).parent / "fixtures" / "banks" / "valid"
ALPHA = (VALID / "alpha.yaml").read_text(encoding="utf-8")
BETA = (VALID / "beta.yaml").read_text(encoding="utf-8")
CHECKER_FAILED = "the checker failed"

HOSTILE = [
    "[" * 3000 + "]" * 3000,
    "{a: " * 1500 + "1" + "}" * 1500,
    "- " * 200 + "x",
    '"\\ud800"',
    '"a\\udfffb"',
    '"\\x07"',
    '"\\0"',
    "\x07",
    "\x1b[31m",
    "\ufffe",
    "\uffff",
    "\x85",
    "9" * 5000,
    "-" + "9" * 400,
    "1e999",
    "-.inf",
    ".nan",
    "0x" + "f" * 300,
    "0o777",
    "1_000",
    "2026-02-30",
    "2026-01-01 10:00:00",
    "!!binary aGVsbG8=",
    "!!set {a, b}",
    "!!omap [a: 1]",
    "!!python/object:os.system x",
    "!custom x",
    "&anchor x",
    "*anchor",
    "? [a, b]\n  : c",
    "{[a]: b}",
    "null",
    "~",
    "[]",
    "{}",
    "''",
    "true",
    "yes",
    "-1",
    "0",
    "{text: a, correct: yes}",
    "[{left: a}, {right: b}]",
    "|\n  block",
    "'unterminated",
    "x: y: z",
    "%TAG ! tag:x,2000:",
    "---\n---",
    "\t",
]

texts = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=60)
snippets = st.one_of(st.sampled_from(HOSTILE), texts, st.binary(max_size=40).map(lambda b: b.decode("latin-1")))


def _write(directory: Path, name: str, content: str | bytes) -> Path:
    shutil.copy(VALID / "sources.yaml", directory / "sources.yaml")
    path = directory / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode("utf-8", errors="surrogatepass"))
    return path


@st.composite
def hostile_banks(draw: st.DrawFn) -> str | bytes:
    """A valid bank with values, lines or characters replaced by hostile ones, or plain noise."""
    how = draw(st.sampled_from(["value", "value", "value", "insert", "noise", "bytes"]))
    if how == "bytes":
        return draw(st.binary(max_size=300))
    if how == "noise":
        return draw(texts)
    lines = draw(st.sampled_from([ALPHA, BETA])).splitlines()
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.integers(0, len(lines) - 1))
        snippet = draw(snippets)
        if how == "insert":
            at = draw(st.integers(0, len(lines[index])))
            lines[index] = lines[index][:at] + snippet + lines[index][at:]
        elif ":" in lines[index]:
            key = lines[index].split(":", 1)[0]
            lines[index] = f"{key}: {snippet}"
        else:
            lines[index] = lines[index][: len(lines[index]) // 2] + snippet
    return "\n".join(lines) + "\n"


def _wrong_type_value() -> st.SearchStrategy:
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=20),
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
        max_leaves=8,
    )


@st.composite
def wrongly_typed_banks(draw: st.DrawFn) -> str:
    """A valid bank's data with one setting, one question key or one option replaced by any YAML value."""
    data = yaml.safe_load(draw(st.sampled_from([ALPHA, BETA])))
    value = draw(_wrong_type_value())
    target = draw(st.sampled_from(["module", "question", "option", "top"]))
    if target == "module":
        data["module"][draw(st.sampled_from([*data["module"], "extra"]))] = value
    elif target == "top":
        data[draw(st.sampled_from(["module", "questions"]))] = value
    else:
        question = draw(st.sampled_from(data["questions"]))
        if target == "option" and "options" in question:
            question["options"][draw(st.integers(0, len(question["options"]) - 1))] = value
        else:
            question[draw(st.sampled_from([*question, "group", "tags"]))] = value
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _check_then_import(db, path: Path) -> None:
    """load_banks returns or raises BankError; if it returns, import_bank writes it without an exception."""
    try:
        bank = load_banks([path])
    except BankError as err:
        assert err.problems and not any(CHECKER_FAILED in p.message for p in err.problems), err
        return
    try:
        import_bank(db, bank)
        db.flush()
    finally:
        db.rollback()


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(content=hostile_banks())
def test_hostile_text_is_a_bank_error_or_a_bank_that_imports(db, tmp_path, content):
    _check_then_import(db, _write(tmp_path, "bank.yaml", content))


@FUZZ
@given(content=wrongly_typed_banks())
def test_wrongly_typed_values_are_a_bank_error_or_a_bank_that_imports(db, tmp_path, content):
    _check_then_import(db, _write(tmp_path, "bank.yaml", content))


@FUZZ
@given(content=hostile_banks())
def test_a_hostile_sources_list_is_a_bank_error(tmp_path, content):
    bank = _write(tmp_path, "beta.yaml", BETA)
    sources = _write(tmp_path, "hostile-sources.yaml", content)
    try:
        load_banks([bank], sources_path=sources)
    except BankError as err:
        assert not any(CHECKER_FAILED in p.message for p in err.problems), err


@pytest.mark.parametrize(
    ("snippet", "line", "message"),
    [
        ("[" * 3000 + "]" * 3000, 15, "nested more than 20 levels deep"),
        ('"\\ud800 lone"', 15, "text contains a lone surrogate (U+D800)"),
        ('"bell \\x07"', 15, "text contains a control character (U+0007)"),
        ("bell \x07", 15, "character U+0007 is not allowed"),
        ("\ufffe", 15, "character U+FFFE is not allowed"),
        ("9" * 5000, 15, "cannot read this value (a number with too many digits)"),
        ("2026-02-30", 15, "cannot read this value (day is out of range for month)"),
    ],
)
def test_each_hostile_input_the_probe_found_is_a_located_problem(tmp_path, snippet, line, message):
    text = BETA.replace('stem: "The back tolerates deeper needles than the forehead."', f"stem: {snippet}")
    with pytest.raises(BankError) as err:
        load_banks([_write(tmp_path, "beta.yaml", text)])
    (problem,) = err.value.problems
    assert (problem.line, problem.qid) == (line, "-") and message in problem.message


def test_a_lone_surrogate_fails_check_and_import_alike_and_writes_nothing(app, runner, tmp_path):
    text = BETA.replace('stem: "The back', 'stem: "\\ud800 The back')
    path = _write(tmp_path, "beta.yaml", text)
    for command in ("check", "import"):
        result = runner.invoke(args=["banks", command, str(path)])
        assert result.exit_code == 1, result.output
        assert "beta.yaml:15: -: malformed YAML: text contains a lone surrogate (U+D800)" in result.output
        assert "Traceback" not in result.output
    result = runner.invoke(args=["banks", "export", "beta"])
    assert result.exit_code == 1 and "No module 'beta'" in result.output
