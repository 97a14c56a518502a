"""Writing a module back out as a bank file, and the one-line-per-module summary."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import yaml

from quizapp.bank_loader.draw import Candidate, unit_count
from quizapp.bank_loader.schema import QUESTION_DEFAULTS
from quizapp.bank_loader.specs import Bank, ModuleSpec, QuestionSpec
from quizapp.question_types import QUESTION_TYPES
from quizapp.question_types.numeric import canonical


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
    if question.group is not None:
        data["group"] = question.group
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
        usable = f"{len(module.usable)} usable (approved+assessed)"
        if any(q.group is not None for q in module.usable):
            usable += f" in {unit_count([Candidate(tuple(q.tags), q.group) for q in module.usable])} draw units"
        lines.append(
            f"{module.slug}: {len(module.questions)} questions, {usable}, {practice} practice, {draft} draft; "
            f"types: {types or 'none'}"
        )
    return lines
