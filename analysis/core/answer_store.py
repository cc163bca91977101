"""The closed questions' answers of many responses, kept compactly while they stream past.

The export writes the Responses sheet from one pass over the responses and builds the Summary and
Crosstabs sheets from the same pass: it cannot keep a million answer dictionaries (or one Python
object per answer per question) in memory. ``AnswerStore`` keeps, per question, one small
integer per response — the index of the answer in the question's dictionary of distinct answers
(``None`` is 0) — and gives back each question's column of answers when asked, equal value for
value and type for type to what was stored, so the per-question summaries
(``analysis.core.results.summarize_question``) and the coding of the crosstabs see exactly the
answers they would have seen in memory.

Distinct answers per question are few for the types kept here (options, scale points, dates,
combinations of options, matrix rows × scale), so a response costs one byte per question until a
question has more than 127 distinct answers (then two, then four). Number questions keep a
float64 per response instead (every value may differ). Answers that a dictionary cannot hold
faithfully — a ``True`` where a number belongs (``True == 1`` for a dictionary), NaN, a list
holding a dictionary — are kept as they are in a side table, so nothing is normalised away.

Text and ranking questions are not kept: the Summary sheet has no table for them and the
crosstabs do not use them.
"""

import contextlib
import math
from collections.abc import Iterable, Mapping, Sequence
from itertools import repeat

import numpy as np

from surveys.core.questionnaire import QuestionSpec, QuestionType

SCALAR_TYPES = frozenset({QuestionType.SINGLE_CHOICE, QuestionType.RATING, QuestionType.NPS, QuestionType.DATE})
STORED_TYPES = SCALAR_TYPES | {QuestionType.MULTIPLE_CHOICE, QuestionType.MATRIX, QuestionType.NUMBER}

_MISSING = -1  # in a chunk being coded: not (yet) in the dictionary
_INT_TYPES = (np.int8, np.int16, np.int32, np.int64)


def _smallest(codes: np.ndarray, largest: int) -> np.ndarray:
    for dtype in _INT_TYPES:
        if largest <= np.iinfo(dtype).max:
            return codes.astype(dtype, copy=False)
    return codes  # pragma: no cover - more than 2**63 distinct answers


def _restore(column: list[object], odd: Mapping[int, object], rows: np.ndarray | None) -> None:
    """Put the answers kept aside back in their place (``rows``: the increasing rows selected)."""
    for row, value in odd.items():
        if rows is None:
            column[row] = value
            continue
        place = int(np.searchsorted(rows, row))
        if place < rows.size and rows[place] == row:
            column[place] = value


class _Column:
    """One question's answers: dictionary codes per response, odd answers kept as they are."""

    __slots__ = ("chunks", "index", "odd", "values")

    def __init__(self) -> None:
        self.values: list[object] = [None]  # code → answer; 0 is "not answered"
        self.index: dict[object, int] = {None: 0}
        self.chunks: list[np.ndarray] = []
        self.odd: dict[int, object] = {}  # response row → an answer kept as it is (code 0 in the chunk)

    def _key(self, value: object) -> object:
        """The dictionary key of an answer; raise TypeError when it has none (kept aside)."""
        raise NotImplementedError

    def _decoded(self, key: object) -> object:
        return key

    def add(self, answers: list[object], offset: int) -> None:
        count = len(answers)
        index = self.index
        try:
            keys = self._keys(answers)
            codes = np.fromiter(map(index.get, keys, repeat(_MISSING, count)), np.int64, count)
        except TypeError:  # an answer without a key somewhere: look each one up
            codes = np.full(count, _MISSING, dtype=np.int64)
            for row, value in enumerate(answers):
                with contextlib.suppress(TypeError):
                    codes[row] = index.get(self._key(value), _MISSING)
        for row in np.flatnonzero(codes == _MISSING).tolist():
            value = answers[row]
            try:
                key = self._key(value)
                hash(key)
            except TypeError:
                self.odd[offset + row] = value
                codes[row] = 0
                continue
            code = index.get(key)
            if code is None:
                code = index[key] = len(self.values)
                self.values.append(self._decoded(key))
            codes[row] = code
        self.chunks.append(_smallest(codes, len(self.values) - 1))

    def _keys(self, answers: list[object]) -> Iterable[object]:
        return answers

    def codes(self) -> np.ndarray:
        if len(self.chunks) != 1:
            self.chunks = [np.concatenate(self.chunks) if self.chunks else np.zeros(0, dtype=np.int8)]
        return self.chunks[0]

    def column(self, rows: np.ndarray | None = None, transform=None) -> list[object]:
        codes = self.codes() if rows is None else self.codes()[rows]
        lookup = np.empty(len(self.values), dtype=object)
        lookup[:] = self.values if transform is None else [transform(value) for value in self.values]
        column = lookup[codes].tolist()
        odd = self.odd if transform is None else {row: transform(value) for row, value in self.odd.items()}
        _restore(column, odd, rows)
        return column

    def nbytes(self) -> int:
        return sum(chunk.nbytes for chunk in self.chunks)

    def mapped(self, rows: np.ndarray, code) -> dict[str, np.ndarray]:
        """``code`` (answers → {variable: codes}) applied to every selected answer, calling it once per distinct one."""
        codes = self.codes()[rows]
        result = {name: values[codes] for name, values in code(list(self.values)).items()}
        if self.odd:
            places, answers = [], []
            for row, value in self.odd.items():
                place = int(np.searchsorted(rows, row))
                if place < rows.size and rows[place] == row:
                    places.append(place)
                    answers.append(value)
            if places:
                for name, values in code(answers).items():
                    result[name][places] = values
        return result


def _plain_scalar(value: object) -> bool:
    """Whether a dictionary can hold the answer faithfully (True == 1 and NaN != NaN cannot)."""
    kind = type(value)
    return value is None or kind is str or kind is int or (kind is float and math.isfinite(value))


def _check_scalars(kinds: set[type], answers: list[object]) -> None:
    if bool in kinds:
        raise TypeError("an answer to keep aside")
    if float in kinds and not all(math.isfinite(value) for value in answers if type(value) is float):
        raise TypeError("an answer to keep aside")


class _ScalarColumn(_Column):
    """Options, scale points, dates: strings and finite numbers as they are.

    A float is keyed apart from the int of equal value (``3.0`` is not ``3`` for the summaries of
    a choice question), so a chunk holding floats is coded one answer at a time.
    """

    __slots__ = ()

    def _key(self, value: object) -> object:
        if type(value) is float and math.isfinite(value):
            return (float, value)
        if _plain_scalar(value):
            return value
        raise TypeError("kept aside")

    def _decoded(self, key: object) -> object:
        return key[1] if type(key) is tuple else key

    def _keys(self, answers: list[object]) -> Iterable[object]:
        if set(map(type, answers)) - {str, int, type(None)}:
            raise TypeError("an answer to code one at a time")
        return answers


class _ContainerColumn(_Column):
    """Answers of one container type (kept as a tuple key), or plain scalars (invalid here, kept as they are).

    Inside a container, ``True`` and ``1`` share a key: both are equally invalid as option or
    scale codes (strings), so the summaries and the crosstabs see the same answer either way.
    """

    __slots__ = ()
    container: type = list

    def _as_key(self, value: object) -> tuple:
        raise NotImplementedError

    def _key(self, value: object) -> object:
        if type(value) is self.container:
            key = self._as_key(value)
            hash(key)
            return key
        if _plain_scalar(value):
            return value
        raise TypeError("kept aside")

    def _keys(self, answers: list[object]) -> Iterable[object]:
        kinds = set(map(type, answers))
        _check_scalars(kinds, answers)
        container, as_key = self.container, self._as_key
        return [as_key(value) if type(value) is container else value for value in answers]


class _ListColumn(_ContainerColumn):
    """Multiple choice: the list of codes in the order given."""

    __slots__ = ()
    container = list

    def _as_key(self, value: object) -> tuple:
        return tuple(value)

    def _decoded(self, key: object) -> object:
        return list(key) if type(key) is tuple else key


class _DictColumn(_ContainerColumn):
    """Matrix: the row → scale code mapping, in the order given."""

    __slots__ = ()
    container = dict

    def _as_key(self, value: object) -> tuple:
        return tuple(value.items())

    def _decoded(self, key: object) -> object:
        return dict(key) if type(key) is tuple else key


class _NumberColumn:
    """Number questions: one float64 per response (NaN: unanswered or kept aside)."""

    __slots__ = ("chunks", "kinds", "odd")

    def __init__(self) -> None:
        self.chunks: list[np.ndarray] = []
        self.kinds: list[np.ndarray] = []  # True where the stored number was an int
        self.odd: dict[int, object] = {}

    def add(self, answers: list[object], offset: int) -> None:
        count = len(answers)
        kinds = np.fromiter(map(type, answers), object, count)
        floats, ints = kinds == float, kinds == int  # noqa: E721 - elementwise, on an array of types
        values = np.full(count, np.nan)
        if floats.any():
            values[floats] = np.array(answers, dtype=object)[floats].astype(np.float64)
        if ints.any():
            exact = np.array([abs(answers[row]) < 2**53 for row in np.flatnonzero(ints).tolist()], dtype=bool)
            ints[np.flatnonzero(ints)[~exact]] = False  # too large to be exact as a float64: kept aside
            values[ints] = np.array(answers, dtype=object)[ints].astype(np.float64)
        stored = ints | (floats & np.isfinite(values))
        values[~stored] = np.nan
        for row in np.flatnonzero(~stored & (kinds != type(None))).tolist():  # noqa: E721 - elementwise
            self.odd[offset + row] = answers[row]
        self.chunks.append(values)
        self.kinds.append(ints)

    def _joined(self) -> tuple[np.ndarray, np.ndarray]:
        if len(self.chunks) != 1:
            self.chunks = [np.concatenate(self.chunks) if self.chunks else np.zeros(0)]
            self.kinds = [np.concatenate(self.kinds) if self.kinds else np.zeros(0, dtype=bool)]
        return self.chunks[0], self.kinds[0]

    def column(self, rows: np.ndarray | None = None) -> list[object]:
        values, ints = self._joined()
        if rows is not None:
            values, ints = values[rows], ints[rows]
        column = np.where(np.isnan(values), None, values).astype(object)
        column[ints] = values[ints].astype(np.int64).astype(object)
        column = column.tolist()
        _restore(column, self.odd, rows)
        return column

    def nbytes(self) -> int:
        return sum(chunk.nbytes for chunk in self.chunks) + sum(kind.nbytes for kind in self.kinds)


def _new_column(question: QuestionSpec):
    if question.type in SCALAR_TYPES:
        return _ScalarColumn()
    if question.type == QuestionType.MULTIPLE_CHOICE:
        return _ListColumn()
    if question.type == QuestionType.MATRIX:
        return _DictColumn()
    return _NumberColumn()


class AnswerStore:
    """The answers to the closed questions of a stream of responses, and their weights.

    ``add`` takes a chunk of responses (their answer dictionaries and, when weighted, their
    weights: ``None`` for a response without one). ``column(key)`` gives back one question's
    answers in the order they came, ``rows`` (from ``kept_rows``) selects some of them.
    """

    def __init__(self, questions: Sequence[QuestionSpec], *, weighted: bool = False) -> None:
        self.questions = tuple(question for question in questions if question.type in STORED_TYPES)
        self._columns = {question.key: _new_column(question) for question in self.questions}
        self.weighted = weighted
        self._weights: list[np.ndarray] = []
        self.count = 0

    def __contains__(self, key: str) -> bool:
        return key in self._columns

    def add(self, answers: Sequence[Mapping[str, object]], weights: Sequence[float | None] | None = None) -> None:
        size = len(answers)
        if not size:
            return
        get = dict.get
        for key, column in self._columns.items():
            column.add(list(map(get, answers, repeat(key, size))), self.count)
        if self.weighted:
            if weights is None or len(weights) != size:
                raise ValueError("a weighted store needs one weight (or None) per response")
            self._weights.append(np.array([np.nan if w is None else w for w in weights], dtype=np.float64))
        self.count += size

    def weights(self) -> np.ndarray | None:
        """Every response's weight, NaN where it has none; None when the store is unweighted."""
        if not self.weighted:
            return None
        if len(self._weights) != 1:
            self._weights = [np.concatenate(self._weights) if self._weights else np.zeros(0)]
        return self._weights[0]

    def column(self, key: str, rows: np.ndarray | None = None) -> list[object]:
        return self._columns[key].column(rows)

    def coded(self, key: str, rows: np.ndarray, code) -> dict[str, np.ndarray]:
        """Code one question's selected answers with ``code`` (a list of answers → {variable: int array}).

        ``code`` must code each answer on its own (as ``analysis.services_insights.code_answers``
        does): it is called once on the distinct answers and once on those kept aside, and the
        codes are spread to every response, so coding a million answers costs a few thousand.
        """
        return self._columns[key].mapped(rows, code)

    def matrix_row_column(self, key: str, row: str, rows: np.ndarray | None = None) -> list[object]:
        """A matrix question's answers cut to one of its rows (``{row: cell}``, ``{}`` without it).

        Each row of a matrix is summarised from its own cells only, so summarising the rows one at
        a time gives the same row results as the whole question, with a third of the memory.
        """

        def cut(value: object) -> object:
            if type(value) is dict:
                return {row: value[row]} if row in value else {}
            return value  # not a mapping: unusable for every row alike

        return self._columns[key].column(rows, cut)

    def release(self, key: str) -> None:
        """Forget one question's answers (when they are no longer needed)."""
        self._columns.pop(key, None)

    def nbytes(self) -> int:
        total = sum(column.nbytes() for column in self._columns.values())
        return total + sum(chunk.nbytes for chunk in self._weights)


__all__ = ["STORED_TYPES", "AnswerStore"]
