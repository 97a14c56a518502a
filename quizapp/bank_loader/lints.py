"""Quality lints over checked banks: what is valid but likely poor (a cue to the key, a leak, a near-duplicate).

Pure functions of a Bank; each returns Lint records (warnings; `banks check --strict` makes them errors).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from itertools import combinations

from quizapp.bank_loader.draw import Candidate, unit_count
from quizapp.bank_loader.specs import Bank, ModuleSpec, QuestionSpec

WARNING = "warning"
ERROR = "error"

TRUE_SHARE = (0.35, 0.65)  # outside this share of true/false items keyed true, guessing "true" pays
MIN_TRUE_FALSE = 4
LONGEST_KEY_SHARE = 0.40  # above this share of single-choice keys being the longest option, length is a cue
SIMILAR_STEMS = 0.90  # difflib ratio of normalised stems
UNITS_PER_DRAW = 2  # each draw tag should have at least this many times its count in draw units
CITABLE_TIERS = ("A", "B")

# Trainee-visible text speaks plain language: no reference ids, file names, "seed" or evidence tiers.
_LEAKS = [
    (re.compile(r"\(?\bE\d{1,3}[a-z]?\b\)?"), "a reference id"),
    (re.compile(r"[\w.-]+\.(?:txt|pdf|md)\b|\b\d{3}_[0-9a-f]{16}\b", re.IGNORECASE), "a file name"),
    (re.compile(r"\bseeds?\b", re.IGNORECASE), "the word 'seed'"),
    (re.compile(r"\btier\s*[ABC]\b", re.IGNORECASE), "an evidence tier"),
]


@dataclass(frozen=True)
class Lint:
    """One quality finding, located like a loader Problem, with a severity."""

    file: str
    line: int
    qid: str
    message: str
    severity: str = WARNING

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.qid}: {self.severity}: {self.message}"


def lint_bank(bank: Bank, strict: bool = False) -> list[Lint]:
    """Every lint over every module, in file and line order; errors instead of warnings when strict."""
    found: list[Lint] = []
    for check in LINTS:
        found += check(bank)
    if strict:
        found = [replace(lint, severity=ERROR) for lint in found]
    rank = {module.path: n for n, module in enumerate(bank.modules)}
    return sorted(found, key=lambda lint: (rank.get(lint.file, -1), lint.file, lint.line, lint.qid))


def true_false_balance(bank: Bank) -> list[Lint]:
    """Per module: the share of true/false items keyed true, when there are enough of them to matter."""
    found = []
    for module in bank.modules:
        keys = [q.spec["answer"] for q in module.questions if q.type == "true_false"]
        if len(keys) < MIN_TRUE_FALSE:
            continue
        true = sum(1 for key in keys if key is True)
        share = true / len(keys)
        low, high = TRUE_SHARE
        if not low <= share <= high:
            found.append(
                _module_lint(
                    module,
                    f"{true} of {len(keys)} true/false items ({share:.0%}) are keyed true; keep it between "
                    f"{low:.0%} and {high:.0%} so that guessing one way does not pay",
                )
            )
    return found


def longest_option_keys(bank: Bank) -> list[Lint]:
    """Per module: the share of single-choice items whose key is the strictly longest option."""
    found = []
    for module in bank.modules:
        singles = [q for q in module.questions if q.type == "single"]
        longest = [q.id for q in singles if _key_is_strictly_longest(q)]
        if singles and len(longest) / len(singles) > LONGEST_KEY_SHARE:
            found.append(
                _module_lint(
                    module,
                    f"{len(longest)} of {len(singles)} single-choice items ({len(longest) / len(singles):.0%}) have "
                    f"the longest option as their key (at most {LONGEST_KEY_SHARE:.0%}): {', '.join(longest)}",
                )
            )
    return found


def similar_stems(bank: Bank) -> list[Lint]:
    """Identical or near-identical stems across all modules, unless the two questions share a group."""
    questions = [(module, q, _normalised(q.stem)) for module in bank.modules for q in module.questions]
    found = []
    for (m1, q1, s1), (m2, q2, s2) in combinations(questions, 2):
        if q1.group is not None and q1.group == q2.group:
            continue
        matcher = SequenceMatcher(None, s1, s2, autojunk=False)
        if matcher.real_quick_ratio() < SIMILAR_STEMS or matcher.quick_ratio() < SIMILAR_STEMS:
            continue
        ratio = matcher.ratio()
        if ratio >= SIMILAR_STEMS:
            how = "the same stem as" if s1 == s2 else f"a stem {ratio:.0%} similar to"
            found.append(
                Lint(
                    m2.path,
                    q2.line,
                    q2.id,
                    f"{how} {q1.id} ({m1.path}:{q1.line}); give both the same group if they test one fact, "
                    "or reword one",
                )
            )
    return found


def leaks(bank: Bank) -> list[Lint]:
    """Reference ids, file names, "seed" and evidence tiers in text a trainee reads."""
    found = []
    for module in bank.modules:
        for what in _leaks_in(module.lesson):
            found.append(_module_lint(module, f"the lesson mentions {what}"))
        for question in module.questions:
            for field, text in _visible_texts(question):
                for what in _leaks_in(text):
                    found.append(_question_lint(module, question, f"{field} mentions {what}"))
    return found


def critical_sources(bank: Bank) -> list[Lint]:
    """Critical items must rest on a tier A or B source."""
    found = []
    for module in bank.modules:
        for question in module.questions:
            tier = bank.sources.get(question.source, {}).get("tier")
            if question.critical and tier not in CITABLE_TIERS:
                found.append(
                    _question_lint(
                        module,
                        question,
                        f"critical, but its source {question.source!r} is tier {tier}; a critical item needs a "
                        f"tier {' or '.join(CITABLE_TIERS)} source",
                    )
                )
    return found


def thin_draw_tags(bank: Bank) -> list[Lint]:
    """Each draw tag should have at least twice its count in usable draw units, or every attempt looks alike."""
    found = []
    for module in bank.modules:
        candidates = [Candidate(tuple(q.tags), q.group) for q in module.usable]
        for rule in module.draw:
            units = unit_count(candidates, rule["tag"])
            if units < UNITS_PER_DRAW * rule["count"]:
                found.append(
                    _module_lint(
                        module,
                        f"draw tag {rule['tag']!r} needs {rule['count']} per attempt and has {units} usable draw "
                        f"unit{'' if units == 1 else 's'}; give it at least {UNITS_PER_DRAW * rule['count']} so "
                        "attempts vary",
                    )
                )
    return found


LINTS: list[Callable[[Bank], list[Lint]]] = [
    true_false_balance,
    longest_option_keys,
    similar_stems,
    leaks,
    critical_sources,
    thin_draw_tags,
]


def _key_is_strictly_longest(question: QuestionSpec) -> bool:
    options = question.spec["options"]
    key = max(len(o["text"]) for o in options if o["correct"])
    return all(len(o["text"]) < key for o in options if not o["correct"])


def _normalised(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def _visible_texts(question: QuestionSpec) -> Iterator[tuple[str, str]]:
    """(where, text) for every text of the question a trainee can read."""
    spec = question.spec
    yield "the stem", question.stem
    for n, option in enumerate(spec.get("options", []), start=1):
        yield f"option {n}", option["text"]
        yield f"option {n} feedback", option["feedback"]
    for n, item in enumerate(spec.get("items", []), start=1):
        yield f"item {n}", item
    for n, pair in enumerate(spec.get("pairs", []), start=1):
        yield f"pair {n}", f"{pair['left']}\n{pair['right']}"
    for n, distractor in enumerate(spec.get("distractors", []), start=1):
        yield f"distractor {n}", distractor
    if "unit" in spec:
        yield "the unit", spec["unit"]
    yield "the explanation", question.explanation


def _leaks_in(text: str) -> Iterator[str]:
    for pattern, what in _LEAKS:
        match = pattern.search(text)
        if match:
            yield f"{what} ({match.group().strip('() ')!r})"


def _module_lint(module: ModuleSpec, message: str) -> Lint:
    return Lint(module.path, module.line, "module", message)


def _question_lint(module: ModuleSpec, question: QuestionSpec, message: str) -> Lint:
    return Lint(module.path, question.line, question.id, message)
