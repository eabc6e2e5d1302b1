"""The IKM straight from answer mappings (``[{"U1": 4, "U2": 3}, …]``, e.g. ``Rating.answers()``):
the reference the tests hold the aggregate paths against. The app itself only ever sums in
SQL (``analytics.aggregates_read``), so this lives with the tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from analytics.ikm import IkmResult, compute_ikm
from survey.elements import ELEMENT_CODES


def totals_from_answers(
    ratings: Iterable[Mapping[str, int | None]], elements: Iterable[str] = ELEMENT_CODES
) -> tuple[int, dict[str, tuple[int, int]]]:
    """(respondents, {code: (sum, count)}) from answer mappings such as ``Rating.answers()``."""
    codes = tuple(elements)
    sums = dict.fromkeys(codes, 0)
    counts = dict.fromkeys(codes, 0)
    respondents = 0
    for answers in ratings:
        respondents += 1
        for code in codes:
            value = answers.get(code)
            if value is not None:
                sums[code] += int(value)
                counts[code] += 1
    return respondents, {c: (sums[c], counts[c]) for c in codes}


def ikm_from_answers(ratings: Iterable[Mapping[str, int | None]]) -> IkmResult:
    """The IKM straight from answer mappings, e.g. ``[{"U1": 4, "U2": 3}, …]``."""
    respondents, totals = totals_from_answers(ratings)
    return compute_ikm(respondents, totals)
