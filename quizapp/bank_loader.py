"""Read and check question bank files (YAML) into plain dataclasses; write them back. No database."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
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

MODULE_REQUIRED = ("slug", "title", "order", "pass_mark", "questions_per_attempt", "required_for_certification", "lesson")
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
        super().__init__("\n".join([f"{len(problems)} problem(s) in the question banks:", *map(str, problems)]))


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
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                continue  # construct_mapping below reports unhashable keys
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
        detail = " ".join(part for part in (exc.context, exc.problem) if part)
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
    problems += _repeated([(r.file, line, "module", slug) for r in results for slug, line in r.slugs], "module slug")
    problems += _repeated([(r.file, line, qid, qid) for r in results for qid, line in r.ids], "id")
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


def _repeated(found: list[tuple[str, int, str, str]], what: str) -> list[Problem]:
    """A problem for each (file, line, qid, value) whose value was seen before."""
    first: dict[str, tuple[str, int]] = {}
    problems = []
    for file, line, qid, value in found:
        if value in first:
            problems.append(Problem(file, line, qid, f"duplicate {what}, first at {first[value][0]}:{first[value][1]}"))
        else:
            first[value] = (file, line)
    return problems


def _bank_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[Problem]]:
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
    """The citable sources; None (and one problem) when the list cannot be read, so sources go unchecked."""
    file = str(path)
    if not path.is_file():
        return None, [Problem(file, 0, "-", "sources list not found, so no source can be checked")]
    data, problems = read_yaml(path)
    if problems:
        return None, problems
    if not isinstance(data, Mapping) or not isinstance(data.get("sources"), Mapping):
        return None, [Problem(file, 1, "-", "expected a mapping 'sources:' of id -> {title, url or seed, tier}")]
    problems += [Problem(file, line, "-", f"duplicate key '{key}'") for key, line in _duplicates(data)]
    sources: dict[str, dict[str, Any]] = {}
    for sid, entry in data["sources"].items():
        line = data["sources"].key_lines.get(sid, 1)
        if not isinstance(entry, Mapping):
            problems.append(Problem(file, line, str(sid), "must be a mapping with title, url or seed, tier"))
            continue
        if not _is_text(entry.get("title")):
            problems.append(Problem(file, line, str(sid), "title must be non-empty text"))
        if not (_is_text(entry.get("url")) or _is_text(entry.get("seed"))):
            problems.append(Problem(file, line, str(sid), "needs a url or a seed file name"))
        if entry.get("tier") not in SOURCE_TIERS:
            problems.append(Problem(file, line, str(sid), f"tier must be one of {', '.join(SOURCE_TIERS)}"))
        sources[str(sid)] = dict(entry)
    return sources, problems


def _load_file(path: Path, sources: dict[str, Any] | None) -> _FileResult:
    """One bank file checked on its own."""
    result = _FileResult(str(path))
    file = result.file
    data, result.problems = read_yaml(path)
    if result.problems:
        return result
    if not isinstance(data, LineDict):
        found = "an empty file" if data is None else f"a {type(data).__name__}"
        message = f"top level must be a mapping with 'module' and 'questions', found {found}"
        result.problems.append(Problem(file, 1, "-", message))
        return result
    problems = result.problems
    problems += [Problem(file, line, "-", f"duplicate key '{key}'") for key, line in data.duplicates]
    problems += _key_problems(data, ("module", "questions"), {}, lambda line, msg: Problem(file, line, "-", msg))
    raw_questions = data.get("questions")
    if "questions" in data and not isinstance(raw_questions, list):
        problems.append(Problem(file, data.key_lines["questions"], "-", "questions must be a list"))
    questions: list[QuestionSpec] = []
    candidates: list[list[str]] = []
    for index, raw in enumerate(raw_questions if isinstance(raw_questions, list) else []):
        question, qid, usable_tags, question_problems = _question(raw, index, file, sources, data.key_lines["questions"])
        problems += question_problems
        if qid is not None:
            result.ids.append((qid, raw.line))
        if usable_tags is not None:
            candidates.append(usable_tags)
        if question is not None:
            questions.append(question)
    raw_module = data.get("module")
    if "module" in data and not isinstance(raw_module, LineDict):
        problems.append(Problem(file, data.key_lines["module"], "module", "module must be a mapping of settings"))
    if not isinstance(raw_module, LineDict):
        return result
    settings, module_problems = _module_settings(raw_module, file, candidates)
    problems += module_problems
    if settings.get("slug"):
        result.slugs.append((settings["slug"], raw_module.key_lines.get("slug", raw_module.line)))
    if not problems:
        result.module = ModuleSpec(**settings, questions=questions, path=file)
    return result


def _module_settings(
    raw: LineDict, file: str, candidates: list[list[str]]
) -> tuple[dict[str, Any], list[Problem]]:
    """Checked module settings with defaults filled in; candidates are the tags of each usable question."""
    problems: list[Problem] = []

    def add(key: str, message: str) -> None:
        problems.append(Problem(file, raw.key_lines.get(key, raw.line), "module", message))

    problems += [Problem(file, line, "module", f"duplicate key '{key}'") for key, line in _duplicates(raw)]
    problems += _key_problems(raw, MODULE_REQUIRED, MODULE_DEFAULTS, lambda line, msg: Problem(file, line, "module", msg))
    settings = {**MODULE_DEFAULTS, **{k: v for k, v in raw.items() if k in MODULE_REQUIRED or k in MODULE_DEFAULTS}}
    slug = settings.get("slug")
    if "slug" in raw and not (isinstance(slug, str) and SLUG.fullmatch(slug) and len(slug) <= MAX_KEY_LENGTH):
        add("slug", f"slug must be lower-case letters, digits and single hyphens (url-safe), not {slug!r}")
        settings["slug"] = None
    for key, limit in (("title", MAX_TITLE_LENGTH), ("lesson", None)):
        if key in raw and not _is_text(raw[key]):
            add(key, f"{key} must be non-empty text")
        elif key in raw and limit and len(raw[key].strip()) > limit:
            add(key, f"{key} is longer than {limit} characters")
    if isinstance(settings.get("title"), str):
        settings["title"] = settings["title"].strip()
    usable = len(candidates)
    integer_rules: dict[str, tuple[int | None, int | None, str]] = {
        "order": (None, None, "a whole number"),
        "pass_mark": (1, 100, "a whole percentage from 1 to 100"),
        "questions_per_attempt": (1, None, "a whole number, at least 1"),
        "time_limit_minutes": (0, None, "a whole number of minutes, 0 for untimed"),
        "attempts_per_day": (1, None, "a whole number, at least 1"),
        "cooldown_minutes": (0, None, "a whole number of minutes, 0 or more"),
    }
    for key, (low, high, wanted) in integer_rules.items():
        value = settings.get(key)
        if key in settings and not (_is_int(value) and (low is None or value >= low) and (high is None or value <= high)):
            add(key, f"{key} must be {wanted}, not {value!r}")
    qpa = settings.get("questions_per_attempt")
    if _is_int(qpa) and qpa > usable:
        add("questions_per_attempt", f"questions_per_attempt is {qpa} but the module has only {usable} usable questions (approved and assessed)")
    if "required_for_certification" in raw and not isinstance(raw["required_for_certification"], bool):
        add("required_for_certification", "required_for_certification must be true or false")
    if settings.get("review") not in REVIEW_MODES:
        add("review", f"review must be one of {', '.join(REVIEW_MODES)}, not {settings.get('review')!r}")
    draw, draw_problems = _draw(raw.get("draw", []), qpa if _is_int(qpa) else None, candidates)
    problems += [Problem(file, line or raw.key_lines.get("draw", raw.line), "module", m) for line, m in draw_problems]
    settings["draw"] = draw
    return settings, problems


def _draw(value: Any, qpa: int | None, candidates: list[list[str]]) -> tuple[list[dict[str, Any]], list[tuple[int, str]]]:
    """Checked draw rules and (line, problem) pairs; a question with several tags counts toward each."""
    if value is None:
        value = []
    if not isinstance(value, list):
        return [], [(0, "draw must be a list of {tag, count}")]
    rules: list[dict[str, Any]] = []
    problems: list[tuple[int, str]] = []
    for number, entry in enumerate(value, start=1):
        line = entry.line if isinstance(entry, LineDict) else 0
        if not isinstance(entry, Mapping) or set(entry) != {"tag", "count"}:
            problems.append((line, f"draw entry {number} must be {{tag: ..., count: ...}} and nothing else"))
            continue
        tag, count = entry["tag"], entry["count"]
        if not _is_text(tag):
            problems.append((line, f"draw entry {number}: tag must be non-empty text"))
        elif not (_is_int(count) and count >= 1):
            problems.append((line, f"draw entry {number}: count must be a whole number, at least 1, not {count!r}"))
        elif any(rule["tag"] == tag.strip() for rule in rules):
            problems.append((line, f"draw entry {number}: tag {tag!r} is listed twice"))
        else:
            rules.append({"tag": tag.strip(), "count": count})
            carrying = sum(1 for tags in candidates if tag.strip() in tags)
            if carrying < count:
                problems.append((line, f"draw needs {count} questions tagged {tag!r} but only {carrying} usable questions carry it"))
    total = sum(rule["count"] for rule in rules)
    if qpa is not None and total > qpa:
        problems.append((0, f"draw asks for {total} questions in all, more than questions_per_attempt ({qpa})"))
    return rules, problems


def _question(
    raw: Any, index: int, file: str, sources: dict[str, Any] | None, list_line: int
) -> tuple[QuestionSpec | None, str | None, list[str] | None, list[Problem]]:
    """A checked question (None if it has problems), its id, its tags if it is usable, and its problems."""
    if not isinstance(raw, LineDict):
        return None, None, None, [Problem(file, list_line, f"questions[{index}]", "each question must be a mapping")]
    raw_id = raw.get("id")
    qid = raw_id if isinstance(raw_id, str) and raw_id.strip() else None
    label = qid or f"questions[{index}]"
    problems: list[Problem] = []

    def add(key: str, message: str) -> None:
        problems.append(Problem(file, raw.key_lines.get(key, raw.line), label, message))

    problems += [Problem(file, line, label, f"duplicate key '{key}'") for key, line in _duplicates(raw)]
    kind = QUESTION_TYPES.get(raw.get("type")) if isinstance(raw.get("type"), str) else None
    spec_keys = kind.spec_keys if kind else ALL_SPEC_KEYS
    allowed = dict.fromkeys([*QUESTION_DEFAULTS, *spec_keys])
    problems += _key_problems(raw, QUESTION_REQUIRED, allowed, lambda line, msg: Problem(file, line, label, msg))
    if "id" in raw and not (qid and QUESTION_ID.fullmatch(qid) and len(qid) <= MAX_KEY_LENGTH):
        add("id", f"id must be letters, digits, '.', '_' or '-' (at most {MAX_KEY_LENGTH}), not {raw_id!r}")
    if "type" in raw and kind is None:
        add("type", f"unknown type {raw['type']!r}; expected one of {', '.join(QUESTION_TYPES)}")
    for key in ("stem", "explanation", "source"):
        if key in raw and not _is_text(raw[key]):
            add(key, f"{key} must be non-empty text")
    source = raw.get("source")
    if sources is not None and _is_text(source) and source.strip() not in sources:
        add("source", f"source {source!r} is not listed in {SOURCES_NAME}")
    values = {**QUESTION_DEFAULTS, **{k: v for k, v in raw.items() if k in QUESTION_DEFAULTS}}
    tags = values["tags"]
    if not (isinstance(tags, list) and all(_is_text(t) for t in tags)):
        add("tags", f"tags must be a list of non-empty texts, not {tags!r}")
        tags = []
    tags = list(dict.fromkeys(t.strip() for t in tags))
    if not (_is_int(values["points"]) and values["points"] >= 1):
        add("points", f"points must be a whole number, at least 1, not {values['points']!r}")
    for key in ("critical", "assessed"):
        if not isinstance(values[key], bool):
            add(key, f"{key} must be true or false, not {values[key]!r}")
    if values["review_status"] not in REVIEW_STATUSES:
        add("review_status", f"review_status must be draft or approved, not {values['review_status']!r}")
    if kind is not None:
        problems += [Problem(file, raw.line, label, message) for message in kind.validate(raw)]
    usable = values["review_status"] == "approved" and values["assessed"] is True
    if problems or kind is None:
        return None, qid, tags if usable else None, problems
    question = QuestionSpec(
        id=raw_id,
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
    return question, qid, tags if usable else None, []


def _key_problems(
    raw: LineDict, required: Iterable[str], optional: Mapping[str, Any], problem: Callable[[int, str], Problem]
) -> list[Problem]:
    """Missing required keys and keys that are neither required nor optional."""
    known = {*required, *optional}
    found = [problem(raw.line, f"missing key '{key}'") for key in required if key not in raw]
    found += [problem(raw.key_lines.get(key, raw.line), f"unknown key '{key}'") for key in raw if key not in known]
    return found


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
_BankDumper.add_representer(_Flow, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))
_BankDumper.add_representer(_FlowMap, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v, flow_style=True))


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
            f"{module.slug}: {len(module.questions)} questions, {len(module.usable)} usable (approved+assessed), "
            f"{practice} practice, {draft} draft; types: {types or 'none'}"
        )
    return lines
