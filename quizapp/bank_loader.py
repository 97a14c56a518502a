"""Read and check question bank files (YAML) into plain dataclasses; write them back. No database."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from quizapp import ROOT
from quizapp.question_types import QUESTION_TYPES, content_hash
from quizapp.question_types.numeric import canonical

SOURCES_NAME = "sources.yaml"
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
QUESTION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
MAX_KEY_LENGTH = 80  # the database columns for slugs, question ids and sources
MAX_TITLE_LENGTH = 200

MODULE_REQUIRED = (
    "slug",
    "title",
    "order",
    "pass_mark",
    "questions_per_attempt",
    "required_for_certification",
    "lesson",
)
MODULE_DEFAULTS: dict[str, Any] = {
    "time_limit_minutes": 0,
    "review": "full",
    "draw": [],
    "attempts_per_day": 3,
    "cooldown_minutes": 0,
}
QUESTION_REQUIRED = ("id", "type", "stem", "explanation", "source")
QUESTION_DEFAULTS: dict[str, Any] = {
    "tags": [],
    "points": 1,
    "critical": False,
    "review_status": "approved",
    "assessed": True,
}
INTEGER_SETTINGS: dict[str, tuple[float, float, str]] = {
    "order": (float("-inf"), float("inf"), "a whole number"),
    "pass_mark": (1, 100, "a whole percentage from 1 to 100"),
    "questions_per_attempt": (1, float("inf"), "a whole number, at least 1"),
    "time_limit_minutes": (0, float("inf"), "a whole number of minutes, 0 for untimed"),
    "attempts_per_day": (1, float("inf"), "a whole number, at least 1"),
    "cooldown_minutes": (0, float("inf"), "a whole number of minutes, 0 or more"),
}
REVIEW_MODES = ("full", "score_only")
REVIEW_STATUSES = ("draft", "approved")
SOURCE_TIERS = ("A", "B", "C")
ALL_SPEC_KEYS = frozenset().union(*(t.spec_keys for t in QUESTION_TYPES.values()))


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a bank file, located by file, line and question id."""

    file: str
    line: int
    qid: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.qid}: {self.message}"


class BankError(Exception):
    """The banks have problems; nothing may be imported."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(
            "\n".join([f"{len(problems)} problem(s) in the question banks:", *map(str, problems)])
        )


@dataclass(frozen=True, kw_only=True)
class QuestionSpec:
    """A checked question with its spec normalised as a QuestionVersion stores it."""

    id: str
    type: str
    stem: str
    spec: dict[str, Any]
    explanation: str
    source: str
    tags: list[str] = field(default_factory=list)
    points: int = 1
    critical: bool = False
    review_status: str = "approved"
    assessed: bool = True
    line: int = 0

    @property
    def usable(self) -> bool:
        """Approved and assessed: may be drawn into a graded attempt."""
        return self.review_status == "approved" and self.assessed

    def version_fields(self) -> dict[str, Any]:
        """The fields of an immutable QuestionVersion."""
        return {
            "type": self.type,
            "stem": self.stem,
            "spec": self.spec,
            "explanation": self.explanation,
            "source": self.source,
            "points": self.points,
            "critical": self.critical,
        }

    @property
    def content_hash(self) -> str:
        """Hash of the version fields; unchanged content gives an unchanged hash."""
        return content_hash(self.version_fields())


@dataclass(frozen=True, kw_only=True)
class ModuleSpec:
    """A checked module with its settings and questions."""

    slug: str
    title: str
    order: int
    pass_mark: int
    questions_per_attempt: int
    time_limit_minutes: int = 0
    required_for_certification: bool
    review: str = "full"
    draw: list[dict[str, Any]] = field(default_factory=list)
    attempts_per_day: int = 3
    cooldown_minutes: int = 0
    lesson: str
    questions: list[QuestionSpec]
    path: str = ""

    @property
    def usable(self) -> list[QuestionSpec]:
        """Questions that may be drawn into a graded attempt."""
        return [q for q in self.questions if q.usable]

    def settings(self) -> dict[str, Any]:
        """The module's own fields, as the Module row holds them."""
        return {
            "slug": self.slug,
            "title": self.title,
            "order": self.order,
            "pass_mark": self.pass_mark,
            "questions_per_attempt": self.questions_per_attempt,
            "time_limit_minutes": self.time_limit_minutes,
            "required_for_certification": self.required_for_certification,
            "review": self.review,
            "draw": [dict(rule) for rule in self.draw],
            "attempts_per_day": self.attempts_per_day,
            "cooldown_minutes": self.cooldown_minutes,
            "lesson": self.lesson,
        }


@dataclass(frozen=True)
class Bank:
    """Every module read, and the citable sources (id -> title, url or seed, tier)."""

    modules: list[ModuleSpec]
    sources: dict[str, dict[str, Any]]


class LineDict(dict[Any, Any]):
    """A YAML mapping that remembers its line, its keys' lines and any repeated keys."""

    def __init__(self, line: int = 0) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[Any, int] = {}
        self.duplicates: list[tuple[Any, int]] = []


class BankYamlLoader(yaml.SafeLoader):
    """SafeLoader whose mappings are LineDicts: plain safe_load would lose lines and hide duplicate keys."""

    def construct_line_mapping(self, node: yaml.MappingNode) -> Iterator[LineDict]:
        """Build a LineDict, noting where every key is and which keys repeat."""
        data = LineDict(node.start_mark.line + 1)
        yield data
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                continue  # construct_mapping below reports the unhashable key
            line = key_node.start_mark.line + 1
            if key in data.key_lines:
                data.duplicates.append((key, line))
            else:
                data.key_lines[key] = line
        data.update(self.construct_mapping(node))


BankYamlLoader.add_constructor("tag:yaml.org,2002:map", BankYamlLoader.construct_line_mapping)


def read_yaml(path: Path) -> tuple[Any, list[Problem]]:
    """The data in one YAML file, or the problem that stopped it being read."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(file, 1, "-", f"not UTF-8 text ({exc.reason})")]
    except OSError as exc:
        return None, [Problem(file, 0, "-", f"cannot read: {exc.strerror}")]
    loader = BankYamlLoader(text)
    try:
        return loader.get_single_data(), []
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        detail = exc.problem or str(exc)
        if exc.context and exc.context_mark:
            detail += f" ({exc.context} at line {exc.context_mark.line + 1})"
        return None, [Problem(file, mark.line + 1 if mark else 1, "-", f"malformed YAML: {detail}")]
    except yaml.YAMLError as exc:
        return None, [Problem(file, 1, "-", f"malformed YAML: {exc}")]
    finally:
        loader.dispose()


def load_banks(paths: Iterable[str | Path], sources_path: Path | None = None) -> Bank:
    """Read and check bank files or directories; BankError lists every problem in all of them."""
    files, problems = _bank_files(paths)
    sources, source_problems = _load_sources(sources_path or _default_sources(files))
    problems += source_problems
    results = [_load_file(path, sources) for path in files]
    for result in results:
        problems += result.problems
    problems += _repeated(
        "module slug", [(r.file, line, "module", slug) for r in results for slug, line in r.slugs]
    )
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


@dataclass
class _Scope:
    """Where problems are being found: the file, the id to report them under, the mapping that gives lines."""

    file: str
    qid: str
    mapping: LineDict
    problems: list[Problem]

    def add(self, message: str, key: Any = None, line: int | None = None) -> None:
        """Record a problem at a given line, else at the key's line, else at the mapping's first line."""
        if line is None:
            line = self.mapping.key_lines.get(key, self.mapping.line)
        self.problems.append(Problem(self.file, line, self.qid, message))

    def check_keys(self, required: Iterable[str], optional: Iterable[str], nested: bool = True) -> None:
        """Missing and unknown keys, and keys given twice (in nested mappings too unless nested=False)."""
        known = {*required, *optional}
        for key in required:
            if key not in self.mapping:
                self.add(f"missing key '{key}'", line=self.mapping.line)
        for key in self.mapping:
            if key not in known:
                self.add(f"unknown key '{key}'", key)
        for key, line in _duplicates(self.mapping) if nested else self.mapping.duplicates:
            self.add(f"duplicate key '{key}'", line=line)


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


def _default_sources(files: list[Path]) -> Path:
    if files and (files[0].parent / SOURCES_NAME).is_file():
        return files[0].parent / SOURCES_NAME
    return ROOT / "question_banks" / SOURCES_NAME


def _load_sources(path: Path) -> tuple[dict[str, dict[str, Any]] | None, list[Problem]]:
    """The citable sources; None (and a problem) when the list cannot be read, so no source is checked."""
    if not path.is_file():
        return None, [Problem(str(path), 0, "-", "sources list not found, so no source can be checked")]
    data, problems = read_yaml(path)
    if problems:
        return None, problems
    if not isinstance(data, LineDict) or not isinstance(data.get("sources"), LineDict):
        return None, [
            Problem(str(path), 1, "-", "expected 'sources:' mapping id -> {title, url or seed, tier}")
        ]
    _Scope(str(path), "-", data, problems).check_keys(["sources"], [])
    sources: dict[str, dict[str, Any]] = {}
    for sid, entry in data["sources"].items():
        scope = _Scope(str(path), str(sid), data["sources"], problems)
        if not isinstance(entry, Mapping):
            scope.add("must be a mapping with title, url or seed, and tier", sid)
            continue
        if not _is_text(entry.get("title")):
            scope.add("title must be non-empty text", sid)
        if not (_is_text(entry.get("url")) or _is_text(entry.get("seed"))):
            scope.add("needs a url or a seed file name", sid)
        if entry.get("tier") not in SOURCE_TIERS:
            scope.add(f"tier must be one of {', '.join(SOURCE_TIERS)}", sid)
        sources[str(sid)] = dict(entry)
    return sources, problems


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
    top = _Scope(result.file, "-", data, result.problems)
    top.check_keys(["module", "questions"], [], nested=False)
    raw_questions = data.get("questions")
    if "questions" in data and not isinstance(raw_questions, list):
        top.add("questions must be a list", "questions")
    questions: list[QuestionSpec] = []
    # Without a question list, counting usable questions would only repeat that problem.
    candidates: list[list[str]] | None = [] if isinstance(raw_questions, list) else None
    for index, raw in enumerate(raw_questions if isinstance(raw_questions, list) else []):
        if not isinstance(raw, LineDict):
            top.add(f"question {index + 1} must be a mapping", "questions")
            continue
        qid = raw["id"] if _is_text(raw.get("id")) else None
        if qid is not None:
            result.ids.append((qid, raw.line))
        scope = _Scope(result.file, qid or f"question {index + 1}", raw, result.problems)
        question, usable_tags = _question(scope, sources)
        if usable_tags is not None and candidates is not None:
            candidates.append(usable_tags)
        if question is not None:
            questions.append(question)
    raw_module = data.get("module")
    if not isinstance(raw_module, LineDict):
        if "module" in data:
            top.add("module must be a mapping of settings", "module")
        return result
    settings = _module_settings(_Scope(result.file, "module", raw_module, result.problems), candidates)
    if settings.get("slug"):
        result.slugs.append((settings["slug"], raw_module.key_lines.get("slug", raw_module.line)))
    if not result.problems:
        result.module = ModuleSpec(**settings, questions=questions, path=result.file)
    return result


def _module_settings(scope: _Scope, candidates: list[list[str]] | None) -> dict[str, Any]:
    """Module settings with defaults filled in; candidates holds the tags of each usable question."""
    raw = scope.mapping
    scope.check_keys(MODULE_REQUIRED, MODULE_DEFAULTS)
    settings = {
        **MODULE_DEFAULTS,
        **{k: v for k, v in raw.items() if k in MODULE_REQUIRED or k in MODULE_DEFAULTS},
    }
    slug = settings.get("slug")
    if "slug" in raw and not (isinstance(slug, str) and SLUG.fullmatch(slug) and len(slug) <= MAX_KEY_LENGTH):
        scope.add(
            f"slug must be lower-case letters, digits and single hyphens (url-safe), not {slug!r}", "slug"
        )
        settings["slug"] = None
    for key in ("title", "lesson"):
        if key in raw and not _is_text(raw[key]):
            scope.add(f"{key} must be non-empty text", key)
    if _is_text(settings.get("title")):
        settings["title"] = settings["title"].strip()
        if len(settings["title"]) > MAX_TITLE_LENGTH:
            scope.add(f"title is longer than {MAX_TITLE_LENGTH} characters", "title")
    for key, (low, high, wanted) in INTEGER_SETTINGS.items():
        value = settings.get(key)
        if key in settings and not (_is_int(value) and low <= value <= high):
            scope.add(f"{key} must be {wanted}, not {value!r}", key)
    if "required_for_certification" in raw and not isinstance(raw["required_for_certification"], bool):
        scope.add("required_for_certification must be true or false", "required_for_certification")
    if settings["review"] not in REVIEW_MODES:
        scope.add(f"review must be one of {', '.join(REVIEW_MODES)}, not {settings['review']!r}", "review")
    qpa = settings.get("questions_per_attempt") if _is_int(settings.get("questions_per_attempt")) else None
    if candidates is not None and qpa is not None and qpa > len(candidates):
        scope.add(
            f"questions_per_attempt is {qpa}, more than the {_usable(len(candidates))}",
            "questions_per_attempt",
        )
    settings["draw"] = _draw(scope, qpa, candidates)
    return settings


def _draw(scope: _Scope, qpa: int | None, candidates: list[list[str]] | None) -> list[dict[str, Any]]:
    """Checked draw rules; a question with several tags counts toward each rule."""
    value = scope.mapping.get("draw") or []
    if not isinstance(value, list):
        scope.add("draw must be a list of {tag: ..., count: ...}", "draw")
        return []
    rules: list[dict[str, Any]] = []
    for number, entry in enumerate(value, start=1):
        line = entry.line if isinstance(entry, LineDict) else scope.mapping.key_lines.get("draw")
        if not isinstance(entry, Mapping) or set(entry) != {"tag", "count"}:
            scope.add(f"draw entry {number} must be {{tag: ..., count: ...}} and nothing else", line=line)
            continue
        tag, count = entry["tag"], entry["count"]
        if not _is_text(tag):
            scope.add(f"draw entry {number}: tag must be non-empty text", line=line)
        elif not (_is_int(count) and count >= 1):
            scope.add(
                f"draw entry {number}: count must be a whole number, at least 1, not {count!r}", line=line
            )
        elif any(rule["tag"] == tag.strip() for rule in rules):
            scope.add(f"draw entry {number}: tag {tag!r} is listed twice", line=line)
        else:
            rules.append({"tag": tag.strip(), "count": count})
            carrying = sum(1 for tags in candidates or [] if tag.strip() in tags)
            if candidates is not None and carrying < count:
                scope.add(
                    f"draw needs {count} questions tagged {tag!r}; the module has {_usable(carrying)} "
                    "with that tag",
                    line=line,
                )
    total = sum(rule["count"] for rule in rules)
    if qpa is not None and total > qpa:
        scope.add(f"draw asks for {total} questions in all, more than questions_per_attempt ({qpa})", "draw")
    return rules


def _question(scope: _Scope, sources: dict[str, Any] | None) -> tuple[QuestionSpec | None, list[str] | None]:
    """The checked question (None if it has problems) and, if it is usable, its tags."""
    raw = scope.mapping
    before = len(scope.problems)
    kind = QUESTION_TYPES.get(raw["type"]) if isinstance(raw.get("type"), str) else None
    scope.check_keys(QUESTION_REQUIRED, [*QUESTION_DEFAULTS, *(kind.spec_keys if kind else ALL_SPEC_KEYS)])
    if "id" in raw and not (
        isinstance(raw["id"], str) and QUESTION_ID.fullmatch(raw["id"]) and len(raw["id"]) <= MAX_KEY_LENGTH
    ):
        scope.add(
            f"id must be letters, digits, '.', '_' or '-', at most {MAX_KEY_LENGTH}, not {raw['id']!r}", "id"
        )
    if "type" in raw and kind is None:
        scope.add(f"unknown type {raw['type']!r}; expected one of {', '.join(QUESTION_TYPES)}", "type")
    for key in ("stem", "explanation", "source"):
        if key in raw and not _is_text(raw[key]):
            scope.add(f"{key} must be non-empty text", key)
    source = raw.get("source")
    if sources is not None and _is_text(source) and source.strip() not in sources:
        scope.add(f"source {source!r} is not listed in {SOURCES_NAME}", "source")
    values = {**QUESTION_DEFAULTS, **{k: v for k, v in raw.items() if k in QUESTION_DEFAULTS}}
    tags = values["tags"]
    if not (isinstance(tags, list) and all(_is_text(t) for t in tags)):
        scope.add(f"tags must be a list of non-empty texts, not {tags!r}", "tags")
        tags = []
    tags = list(dict.fromkeys(t.strip() for t in tags))
    if not (_is_int(values["points"]) and values["points"] >= 1):
        scope.add(f"points must be a whole number, at least 1, not {values['points']!r}", "points")
    for key in ("critical", "assessed"):
        if not isinstance(values[key], bool):
            scope.add(f"{key} must be true or false, not {values[key]!r}", key)
    if values["review_status"] not in REVIEW_STATUSES:
        scope.add(
            f"review_status must be draft or approved, not {values['review_status']!r}", "review_status"
        )
    for message in kind.validate(raw) if kind else []:
        scope.add(message)
    usable_tags = tags if values["review_status"] == "approved" and values["assessed"] is True else None
    if len(scope.problems) > before or kind is None:
        return None, usable_tags
    question = QuestionSpec(
        id=raw["id"],
        type=kind.key,
        stem=raw["stem"].strip(),
        spec=kind.normalise(raw),
        explanation=raw["explanation"].strip(),
        source=raw["source"].strip(),
        tags=tags,
        points=values["points"],
        critical=values["critical"],
        review_status=values["review_status"],
        assessed=values["assessed"],
        line=raw.line,
    )
    return question, usable_tags


def _duplicates(value: Any) -> list[tuple[Any, int]]:
    """Repeated keys in a mapping and everything nested in it."""
    found: list[tuple[Any, int]] = []
    if isinstance(value, LineDict):
        found += value.duplicates
        children: Iterable[Any] = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return found
    for child in children:
        found += _duplicates(child)
    return found


def _usable(count: int) -> str:
    return f"{count} usable question{'' if count == 1 else 's'} (approved and assessed)"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


class _Flow(list[Any]):
    """A list written on one line: tags: [face, back]."""


class _FlowMap(dict[str, Any]):
    """A mapping written on one line: {tag: face, count: 3}."""


class _BankDumper(yaml.SafeDumper):
    """SafeDumper that writes multi-line text as | blocks, numbers plainly and nested lists indented."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        """Indent list items under their key, as the shipped banks are written."""
        return super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    text = canonical(value)
    if "." not in text:
        return dumper.represent_scalar("tag:yaml.org,2002:int", text)
    # A YAML float is read back through float(); quote the rare value that would not survive that.
    if str(float(text)) == text:
        return dumper.represent_scalar("tag:yaml.org,2002:float", text)
    return dumper.represent_scalar("tag:yaml.org,2002:str", text)


_BankDumper.add_representer(str, _represent_str)
_BankDumper.add_representer(Decimal, _represent_decimal)
_BankDumper.add_representer(
    _Flow, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True)
)
_BankDumper.add_representer(
    _FlowMap, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v, flow_style=True)
)


def dump_module(module: ModuleSpec) -> str:
    """The module as a bank file; load_banks reads it back to the same settings and content hashes."""
    settings = module.settings()
    lesson = settings.pop("lesson")
    draw = settings.pop("draw")
    if draw:
        settings["draw"] = [_FlowMap(rule) for rule in draw]
    settings["lesson"] = lesson
    return yaml.dump(
        {"module": settings, "questions": [_question_data(q) for q in module.questions]},
        Dumper=_BankDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=110,
    )


def _question_data(question: QuestionSpec) -> dict[str, Any]:
    """A question as written in a bank file: type-specific keys after the stem, defaults left out."""
    data: dict[str, Any] = {"id": question.id, "type": question.type, "stem": question.stem}
    data.update(QUESTION_TYPES[question.type].export(question.spec))
    data.update(explanation=question.explanation, source=question.source)
    if question.tags:
        data["tags"] = _Flow(question.tags)
    for key in ("points", "critical", "review_status", "assessed"):
        if getattr(question, key) != QUESTION_DEFAULTS[key]:
            data[key] = getattr(question, key)
    return data


def summary(bank: Bank) -> list[str]:
    """One line per module: how many questions, how many usable, practice and draft, and of which types."""
    lines = []
    for module in bank.modules:
        kinds = Counter(q.type for q in module.questions)
        types = ", ".join(f"{key} {kinds[key]}" for key in QUESTION_TYPES if kinds[key])
        practice = sum(1 for q in module.questions if not q.assessed)
        draft = sum(1 for q in module.questions if q.review_status == "draft")
        lines.append(
            f"{module.slug}: {len(module.questions)} questions, {len(module.usable)} usable "
            f"(approved+assessed), {practice} practice, {draft} draft; types: {types or 'none'}"
        )
    return lines
