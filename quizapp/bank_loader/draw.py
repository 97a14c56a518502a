"""The draw rule, pure: at most one question per exclusion group, the module's minimums per tag, enough units.

A draw unit is a group (all questions sharing a `group`) or a question without one. An attempt takes at most one
question from each unit, so feasibility counts units, not questions. The bank loader checks banks with it and the
attempt service draws with it: one rule in one place.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Candidate:
    """What the draw needs to know of one usable question: its tags and its exclusion group."""

    tags: tuple[str, ...]
    group: str | None = None


@dataclass(frozen=True)
class Shortfall:
    """Why no attempt can be drawn. kind: "units" (fewer units than questions_per_attempt), "tag" (fewer
    units carrying a rule's tag than its count), "rules" (the rules ask for more than an attempt holds),
    "together" (each rule can be met alone, not all at once, because questions share groups)."""

    kind: str
    needed: int
    available: int = 0
    tag: str | None = None


def as_candidate(value: Candidate | Sequence[str]) -> Candidate:
    """A Candidate from itself or from a bare list of tags (a question without a group)."""
    return value if isinstance(value, Candidate) else Candidate(tuple(value))


def unit_keys(candidates: Sequence[Candidate]) -> list[tuple[str, Any]]:
    """Each candidate's draw unit: its group, or the candidate itself when it has none."""
    return [("group", c.group) if c.group is not None else ("alone", n) for n, c in enumerate(candidates)]


def unit_count(candidates: Sequence[Candidate], tag: str | None = None) -> int:
    """Distinct draw units, or those holding at least one question with the tag."""
    keys = unit_keys(candidates)
    return len({key for key, c in zip(keys, candidates, strict=True) if tag is None or tag in c.tags})


def shortfall(
    per_attempt: int, rules: Iterable[Mapping[str, Any]], candidates: Sequence[Candidate]
) -> Shortfall | None:
    """The first reason these usable questions cannot fill an attempt, or None when they can."""
    rules = list(rules)
    units = unit_count(candidates)
    if units < per_attempt:
        return Shortfall("units", per_attempt, units)
    for rule in rules:
        carrying = unit_count(candidates, rule["tag"])
        if carrying < rule["count"]:
            return Shortfall("tag", rule["count"], carrying, rule["tag"])
    total = sum(rule["count"] for rule in rules)
    if total > per_attempt:
        return Shortfall("rules", total, per_attempt)
    if not _reachable(_needs(rules), _options(candidates, rules, range(len(candidates)))):
        return Shortfall("together", total)
    return None


def choose(
    per_attempt: int, rules: Iterable[Mapping[str, Any]], candidates: Sequence[Candidate], rng: random.Random
) -> list[int] | None:
    """Indexes of a random draw meeting every rule, at most one per unit, in random order; None if impossible."""
    rules = list(rules)
    if shortfall(per_attempt, rules, candidates) is not None:
        return None
    keys = unit_keys(candidates)
    order = list(range(len(candidates)))
    rng.shuffle(order)
    needs = _needs(rules)
    chosen: list[int] = []
    used: set[tuple[str, Any]] = set()
    # Walk the shuffled questions; take one that reduces a need when the rest can still meet the others.
    # A question skipped here is one that no complete draw from the remaining questions needs.
    for position, index in enumerate(order):
        if not any(needs):
            break
        if keys[index] in used:
            continue
        after = _reduce(needs, _option(candidates[index], rules))
        if after == needs:
            continue
        rest = [i for i in order[position + 1 :] if keys[i] not in used and keys[i] != keys[index]]
        if _reachable(after, _options(candidates, rules, rest)):
            chosen.append(index)
            used.add(keys[index])
            needs = after
    for index in order:
        if len(chosen) >= per_attempt:
            break
        if keys[index] not in used:
            chosen.append(index)
            used.add(keys[index])
    rng.shuffle(chosen)
    return chosen


def _needs(rules: list[Mapping[str, Any]]) -> tuple[int, ...]:
    return tuple(int(rule["count"]) for rule in rules)


def _option(candidate: Candidate, rules: list[Mapping[str, Any]]) -> tuple[bool, ...]:
    """Which rules this question counts toward."""
    return tuple(rule["tag"] in candidate.tags for rule in rules)


def _reduce(needs: tuple[int, ...], option: tuple[bool, ...]) -> tuple[int, ...]:
    return tuple(max(0, need - 1) if hit else need for need, hit in zip(needs, option, strict=True))


def _options(
    candidates: Sequence[Candidate], rules: list[Mapping[str, Any]], indexes: Iterable[int]
) -> list[set[tuple[bool, ...]]]:
    """Per draw unit among these questions, the distinct sets of rules one of its questions can count toward."""
    keys = unit_keys(candidates)
    units: dict[tuple[str, Any], set[tuple[bool, ...]]] = {}
    for index in indexes:
        option = _option(candidates[index], rules)
        if any(option):
            units.setdefault(keys[index], set()).add(option)
    return list(units.values())


def _reachable(needs: tuple[int, ...], units: list[set[tuple[bool, ...]]]) -> bool:
    """Whether picking at most one option per unit can bring every need to zero (a small exact search)."""
    states = {needs}
    goal = tuple(0 for _ in needs)
    for options in units:
        if goal in states:
            return True
        states |= {_reduce(state, option) for state in states for option in options}
    return goal in states
