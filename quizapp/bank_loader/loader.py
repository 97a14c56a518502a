"""load_banks: find the bank files, read sources.yaml, check every file, then the ids across files."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from quizapp.bank_loader.checks import Scope, check_module, check_question, is_text
from quizapp.bank_loader.draw import Candidate
from quizapp.bank_loader.schema import FIRST_SOURCE_YEAR, MAX_TITLE_LENGTH, SOURCE_KEYS, SOURCE_TIERS, SOURCES_NAME
from quizapp.bank_loader.specs import Bank, BankError, ModuleSpec, Problem, QuestionSpec
from quizapp.bank_loader.yaml_reader import LineDict, read_yaml


def load_banks(
    paths: Iterable[str | Path], sources_path: Path | None = None, fallback_sources: Path | None = None
) -> Bank:
    """Read and check bank files or directories; BankError lists every problem in all of them.

    The sources list is sources_path if given, else the sources.yaml beside the first bank file, else
    fallback_sources (the command line passes the configured QUESTION_BANKS_DIR's list)."""
    files, problems = _bank_files(paths)
    sources_file = sources_path or _sources_beside(files) or fallback_sources
    if sources_file is None:
        # Without bank files the problem is already reported; without a list no source can be checked.
        message = f"no {SOURCES_NAME} beside the bank files and none given, so no source can be checked"
        sources, source_problems = None, [Problem(str(files[0]), 0, "-", message)] if files else []
    else:
        try:
            sources, source_problems = _load_sources(sources_file)
        except Exception as exc:  # only BankError may leave the loader
            sources, source_problems = None, [_checker_failed(sources_file, exc)]
    problems += source_problems
    results = [_load_file_guarded(path, sources) for path in files]
    for result in results:
        problems += result.problems
    problems += _repeated("module slug", [(r.file, line, "module", slug) for r in results for slug, line in r.slugs])
    problems += _repeated("id", [(r.file, line, qid, qid) for r in results for qid, line in r.ids])
    if problems:
        rank = {str(path): n for n, path in enumerate(files)}
        raise BankError(sorted(problems, key=lambda p: (rank.get(p.file, -1), p.file, p.line)))
    return Bank(modules=[r.module for r in results if r.module is not None], sources=sources or {})


@dataclass
class _FileResult:
    """One bank file read: its module if it has no problems, plus what the cross-file checks need."""

    file: str
    module: ModuleSpec | None = None
    slugs: list[tuple[str, int]] = field(default_factory=list)
    ids: list[tuple[str, int]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _repeated(what: str, found: list[tuple[str, int, str, str]]) -> list[Problem]:
    """A problem for each (file, line, qid, value) whose value was seen before."""
    first: dict[str, tuple[str, int]] = {}
    problems = []
    for file, line, qid, value in found:
        if value in first:
            where = f"{first[value][0]}:{first[value][1]}"
            problems.append(Problem(file, line, qid, f"duplicate {what}, first at {where}"))
        else:
            first[value] = (file, line)
    return problems


def _bank_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[Problem]]:
    """The bank files named or found in the named directories, without sources.yaml or repeats."""
    files: list[Path] = []
    problems: list[Problem] = []
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(p for p in path.glob("*.yaml") if p.name != SOURCES_NAME)
            if not found:
                problems.append(Problem(str(path), 0, "-", "no *.yaml bank files in this directory"))
        elif path.is_file():
            found = [] if path.name == SOURCES_NAME else [path]
        else:
            found = []
            problems.append(Problem(str(path), 0, "-", "no such file or directory"))
        for bank_file in found:
            if bank_file.resolve() not in seen:
                seen.add(bank_file.resolve())
                files.append(bank_file)
    if not files and not problems:
        problems.append(Problem("-", 0, "-", "no bank files given"))
    return files, problems


def _sources_beside(files: list[Path]) -> Path | None:
    if files and (files[0].parent / SOURCES_NAME).is_file():
        return files[0].parent / SOURCES_NAME
    return None


def _load_sources(path: Path) -> tuple[dict[str, dict[str, Any]] | None, list[Problem]]:
    """The citable sources; None (and a problem) when the list cannot be read, so no source is checked."""
    if not path.is_file():
        return None, [Problem(str(path), 0, "-", "sources list not found, so no source can be checked")]
    data, problems = read_yaml(path)
    if problems:
        return None, problems
    if not isinstance(data, LineDict) or not isinstance(data.get("sources"), LineDict):
        return None, [Problem(str(path), 1, "-", "expected 'sources:' mapping id -> {title, url or seed, tier}")]
    Scope(str(path), "-", data, problems).check_keys(["sources"], [])
    sources: dict[str, dict[str, Any]] = {}
    for sid, entry in data["sources"].items():
        scope = Scope(str(path), str(sid), data["sources"], problems)
        if not isinstance(entry, Mapping):
            scope.add("must be a mapping with title, url or seed, and tier", sid)
            continue
        if not is_text(entry.get("title")):
            scope.add("title must be non-empty text", sid)
        if not (is_text(entry.get("url")) or is_text(entry.get("seed"))):
            scope.add("needs a url or a seed file name", sid)
        if entry.get("tier") not in SOURCE_TIERS:
            scope.add(f"tier must be one of {', '.join(SOURCE_TIERS)}", sid)
        if isinstance(entry, LineDict):
            _check_citation(Scope(str(path), str(sid), entry, problems))
        sources[str(sid)] = dict(entry)
    return sources, problems


def _check_citation(scope: Scope) -> None:
    """What a citation is built from besides the title: who wrote it (author or organisation) and the year."""
    entry = scope.mapping
    for key in entry:
        if key not in SOURCE_KEYS:
            scope.add(f"unknown key '{key}'; a source has {', '.join(SOURCE_KEYS)}", key)
    for key in ("author", "organisation"):
        value = entry.get(key)
        if key in entry and not (is_text(value) and len(value) <= MAX_TITLE_LENGTH):
            scope.add(f"{key} must be non-empty text of at most {MAX_TITLE_LENGTH} characters", key)
    if "author" in entry and "organisation" in entry:
        scope.add("give author or organisation, not both: the citation names one", "organisation")
    year, this_year = entry.get("year"), date.today().year
    if "year" in entry and not (
        isinstance(year, int) and not isinstance(year, bool) and FIRST_SOURCE_YEAR <= year <= this_year
    ):
        scope.add(f"year must be a whole number from {FIRST_SOURCE_YEAR} to {this_year}, not {year!r}", "year")


def _load_file_guarded(path: Path, sources: dict[str, Any] | None) -> _FileResult:
    """_load_file, with any failure of the checker itself reported as a problem of that file: only BankError
    may leave the loader, and a file the checker could not finish is never imported."""
    try:
        return _load_file(path, sources)
    except Exception as exc:
        return _FileResult(str(path), problems=[_checker_failed(path, exc)])


def _checker_failed(path: Path, exc: Exception) -> Problem:
    message = f"the checker failed on this file ({type(exc).__name__}: {exc}); please report it"
    return Problem(str(path), 1, "-", message)


def _load_file(path: Path, sources: dict[str, Any] | None) -> _FileResult:
    """One bank file checked on its own."""
    result = _FileResult(str(path))
    data, result.problems = read_yaml(path)
    if result.problems:
        return result
    if not isinstance(data, LineDict):
        found = "an empty file" if data is None else f"a {type(data).__name__}"
        message = f"top level must be a mapping with 'module' and 'questions', found {found}"
        result.problems.append(Problem(result.file, 1, "-", message))
        return result
    top = Scope(result.file, "-", data, result.problems)
    top.check_keys(["module", "questions"], [], nested=False)
    raw_questions = data.get("questions")
    if "questions" in data and not isinstance(raw_questions, list):
        top.add("questions must be a list", "questions")
    questions: list[QuestionSpec] = []
    # Without a question list, counting usable questions would only repeat that problem.
    candidates: list[Candidate] | None = [] if isinstance(raw_questions, list) else None
    for index, raw in enumerate(raw_questions if isinstance(raw_questions, list) else []):
        if not isinstance(raw, LineDict):
            top.add(f"question {index + 1} must be a mapping", "questions")
            continue
        qid = raw["id"] if is_text(raw.get("id")) else None
        if qid is not None:
            result.ids.append((qid, raw.line))
        scope = Scope(result.file, qid or f"question {index + 1}", raw, result.problems)
        question, candidate = check_question(scope, sources)
        if candidate is not None and candidates is not None:
            candidates.append(candidate)
        if question is not None:
            questions.append(question)
    raw_module = data.get("module")
    if not isinstance(raw_module, LineDict):
        if "module" in data:
            top.add("module must be a mapping of settings", "module")
        return result
    settings = check_module(Scope(result.file, "module", raw_module, result.problems), candidates)
    if settings.get("slug"):
        result.slugs.append((settings["slug"], raw_module.key_lines.get("slug", raw_module.line)))
    if not result.problems:
        result.module = ModuleSpec(**settings, questions=questions, path=result.file, line=raw_module.line)
    return result


def check_questions(
    file: str,
    raws: Sequence[LineDict],
    sources: Mapping[str, Any] | None,
    labels: Sequence[str] | None = None,
) -> tuple[list[QuestionSpec], list[Problem]]:
    """Question mappings read from another format (GIFT) checked exactly as a bank file's questions;
    labels name them in problems (default: their ids)."""
    problems: list[Problem] = []
    questions: list[QuestionSpec] = []
    ids: list[tuple[str, int, str, str]] = []
    listed = dict(sources) if sources is not None else None
    for index, raw in enumerate(raws):
        label = labels[index] if labels is not None else str(raw.get("id") or f"question {index + 1}")
        try:
            question, _ = check_question(Scope(file, label, raw, problems), listed)
        except Exception as exc:  # as in load_banks: a question the checker could not finish is a problem
            message = f"the checker failed on this question ({type(exc).__name__}: {exc}); please report it"
            problems.append(Problem(file, raw.line, label, message))
            continue
        if question is not None:
            questions.append(question)
        if is_text(raw.get("id")):
            ids.append((file, raw.line, label, raw["id"]))
    problems += _repeated("id", ids)
    return questions, problems
