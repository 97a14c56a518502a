"""Item analysis of a module's graded attempts: question statistics, test statistics, a review queue, CSV.

Formulas as Moodle defines them ("Quiz statistics calculations", https://docs.moodle.org/dev/Quiz_statistics_calculations,
and its implementation question/classes/statistics/questions/calculator.php), adapted to random draws:

- Only submitted or expired (graded) attempts count, and only questions that are `assessed` (practice items
  never reach a graded attempt). `first_attempts_only` keeps each trainee's first graded attempt (Moodle's
  default, because later attempts break the assumptions of item analysis); otherwise every attempt counts as
  if by a different trainee.
- Per question version, over its n responses: x = the response's score as a fraction of the question's
  points; y = the rest of the attempt, (attempt score − x's marks) / (attempt possible − the question's points),
  so attempts that drew different questions stay comparable.
- Facility index F = mean(x). Standard deviation SD = sqrt(Σ(x − F)² / (n − 1)).
- Discrimination index D = r(x, y) = C(x, y) / sqrt(V(x) V(y)), the corrected item-total correlation
  (Moodle shows 100 D). Discriminative efficiency DE = C(x, y) / C_max(x, y), where C_max pairs the sorted x
  with the sorted y: the largest covariance these two sets of values allow (Moodle shows 100 DE).
- Test: mean and SD of the attempt percentages; coefficient of internal consistency (Cronbach's α, which is
  KR-20 when every item scores 0 or full marks) α = k / (k − 1) × (1 − Σ V(mark at position p) / V(total)),
  over the attempts with the most common number of questions k (positions play Moodle's quiz slots); error ratio
  ER = 100 √(1 − α) %; standard error of measurement SEM = ER / 100 × SD (in percentage points).

Everything comes from SQL aggregates grouped by question version (sums of x, x², y, y², xy; the counts of
each distinct x and y value, from which the sorted pairing for C_max is walked; the counts of each distinct
answer for option picks): a fixed number of queries whatever the number of responses, and no Python loop
over responses.

arithmetic  the result types and the statistics computed from the sums (pure)
queries     which attempts count, the per-version sums, item_statistics and module_statistics
review      review_reasons, the review queue and the CSV export
"""

from __future__ import annotations

from quizapp.services.item_analysis.arithmetic import ItemStats, ModuleStats, OptionPicks
from quizapp.services.item_analysis.queries import item_statistics, module_statistics, score_histogram
from quizapp.services.item_analysis.review import ReviewItem, review_queue, review_reasons, statistics_csv

__all__ = [
    "ItemStats",
    "ModuleStats",
    "OptionPicks",
    "ReviewItem",
    "item_statistics",
    "module_statistics",
    "review_queue",
    "review_reasons",
    "score_histogram",
    "statistics_csv",
]
