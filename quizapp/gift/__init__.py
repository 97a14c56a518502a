"""Moodle's GIFT format: read into bank-format question mappings, write a module out. Pure, no database.

Sources: Moodle's GIFT documentation (https://docs.moodle.org/en/GIFT_format) and the behaviour of its
importer and exporter, question/format/gift/format.php (read, not copied).

How GIFT maps onto our questions (anything that does not map exactly is a problem, never changed silently):

- Blocks are separated by blank lines; `//` lines are comments. `// @key: value` comments (YAML values) carry
  what GIFT has no syntax for: `source`, `unit` (numeric), `tags`, `group`, `points`, `critical`,
  `review_status`, `assessed`. Moodle ignores them; write_gift writes them. Missing ones come from the caller's
  `defaults`; a question with no source (or a numeric one with no unit) is a problem.
- `::name::` becomes the question id: kept when it already is a valid id, else slugified; repeats get -2, -3;
  unnamed questions get `<file name>-<number>`. `$CATEGORY:` lines are ignored (questions belong to the module
  being imported); write_gift writes `$CATEGORY: $course$/top/<module slug>` for Moodle.
- Escapes `\\~ \\= \\# \\{ \\} \\:`, `\\\\` and `\\n` (newline). Text formats: `[plain]` is kept as written;
  `[html]`, `[moodle]` (the default, HTML with line breaks) and `[markdown]` are read into plain text
  (paragraphs and <br> become line breaks, emphasis is dropped); anything else (images, links, lists, tables)
  is a problem. write_gift writes `[plain]`, so Moodle shows our text as it is.
- General feedback `####...` is the explanation (required: a question without it is a problem).
- Single choice `{=right ~wrong#feedback}`: exactly one `=`; any `~%w%` weight other than 0 beside it is a
  problem (ours scores all or nothing).
- Multiple choice (no `=`, `~%w%` weights): ours scores max(0, (right picks − wrong picks) / K) for K right
  options. In Moodle's terms that is every right option +100/K % and every wrong one −100/K %, so exactly those
  weights map (Moodle's 33.33333 counts as 100/3); any other weights, or a wrong option with no weight, are a
  problem naming the weights to write.
- True/false `{T}`, `{TRUE}`, `{F}`, `{FALSE}`: true_false. With feedback (`{TRUE#wrong#right}`) it becomes a
  single choice between "True" and "False" whose options carry that feedback (our true_false has none).
- Numeric `{#1.5:0.25}`, `{#1.0..2.0}` (answer 1.5, tolerance 0.5) and several `=%w%` answers: full-credit
  answers whose ranges join into one range map (the joined range); 0 % answers without feedback score like any
  wrong answer and are dropped; partial credit, per-answer feedback and `~` wrong-answer feedback are problems.
- Matching `{=left -> right = -> distractor}`: pairs and distractors; feedback or weights are problems.
- Essay `{}`, short answer, missing word (answers inside the sentence) and description (no answers) are
  reported by line and name as unsupported.
- Ordering has no GIFT form: write_gift writes it as a comment and returns a warning.

reader   parse_gift, gift_questions, with_questions: a file into checked questions, one block at a time
blocks   lexing: blocks, metadata comments, names, question ids, lines; GiftProblem
answers  the answers between the braces into a question type and its spec
text     escapes, text formats into plain text, ids from names
writer   write_gift
"""

from __future__ import annotations

from quizapp.gift.reader import gift_questions, parse_gift, with_questions
from quizapp.gift.writer import write_gift

__all__ = ["gift_questions", "parse_gift", "with_questions", "write_gift"]
