"""Read and check question bank files (YAML) into plain dataclasses; write them back. No database.

yaml_reader  YAML with line numbers and repeated keys noticed
schema       required keys, defaults and allowed values
checks       one module's settings, one question
loader       load_banks: files, sources.yaml, every file, ids across files
dump         dump_module (export) and summary
draw         the draw rule: exclusion groups, minimums per tag, feasibility in draw units
lints        quality warnings over checked banks (banks check; errors with --strict)
"""

from __future__ import annotations

from quizapp.bank_loader.dump import dump_module, summary
from quizapp.bank_loader.lints import Lint, lint_bank
from quizapp.bank_loader.loader import check_questions, load_banks
from quizapp.bank_loader.specs import Bank, BankError, ModuleSpec, Problem, QuestionSpec
from quizapp.bank_loader.yaml_reader import BankYamlLoader, LineDict, read_yaml

__all__ = [
    "Bank",
    "BankError",
    "BankYamlLoader",
    "check_questions",
    "LineDict",
    "Lint",
    "ModuleSpec",
    "Problem",
    "QuestionSpec",
    "dump_module",
    "lint_bank",
    "load_banks",
    "read_yaml",
    "summary",
]
