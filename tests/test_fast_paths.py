"""The fast paths give exactly what the straightforward computations give."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tpn_survey.analysis.coding import (
    ItemCodes,
    code_answers,
    code_groups,
    code_items,
    nothing_to_trim,
    trimmed_factorize,
)
from tpn_survey.analysis.tally import all_counts as _all_counts
from tpn_survey.analysis.tally import counts_by as _counts
from tpn_survey.schema import parse_schema

SCHEMA = parse_schema(
    {
        "id": "t",
        "title": "t",
        "respondent_id": "id",
        "scales": {
            "agreement": {
                "levels": ["Strongly disagree", "Disagree", "Agree", "Strongly agree"],
                "codes": [1, 2, 3, 4],
                "positive": ["Agree", "Strongly agree"],
                "non_substantive": ["Not applicable"],
            }
        },
        "items": [
            {"id": "a", "column": "Q1", "scale": "agreement"},
            {"id": "b", "column": "Q2", "scale": "agreement"},
            {"id": "b2", "column": "Q2", "scale": "agreement"},
        ],
    }
)
ANSWERS = ["Agree", " agree", "STRONGLY  AGREE", "Disagree", "3", "4.0", "", "Not applicable", "x"]


@pytest.mark.parametrize("dtype", ["str", object, "category"])
def test_code_items_equals_code_answers_per_column(dtype: object) -> None:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {c: pd.Series(rng.choice(ANSWERS, 500), dtype=dtype) for c in ("Q1", "Q2")}  # type: ignore[call-overload]
    )
    coded = code_items(SCHEMA, frame)
    for j, item in enumerate(SCHEMA.items):
        codes, unknown = code_answers(frame[item.column].astype(object), SCHEMA.scale_of(item))
        assert np.array_equal(coded.codes[:, j], codes)
        assert sorted(coded.unknown[j]) == sorted(unknown) == ["x"]


@pytest.mark.parametrize("distinct", [50, 5000])  # below and above the arrow fast path
def test_trimmed_factorize_equals_strip_then_factorize(distinct: int) -> None:
    rng = np.random.default_rng(2)
    base = [f"R{i}" for i in range(distinct)]
    if distinct < 1000:
        base += [" R1", "R2\u00a0", "\tR3", ""]
    values = pd.Series(rng.choice(base, 3 * distinct), dtype="str")
    inverse, texts = trimmed_factorize(values)
    expected = values.astype(str).str.strip().to_numpy()
    assert np.array_equal(np.asarray(texts, dtype=object)[inverse], expected)
    assert len(set(texts)) == len(texts) and "" in texts


EDGES = [
    "R_1",
    "x",
    "",
    " r",
    "r ",
    "\tr",
    "r\u00a0",
    "\u3000r",
    "r\x85",
    "\x1fr",
    "é",
    "ré",
    "~!",
    "a b",
]


@pytest.mark.parametrize("kind", ["string", "large_string"])
def test_nothing_to_trim_equals_the_regular_expression(kind: str) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    from tpn_survey.analysis.coding import EDGE_SPACE

    def regex(values: object) -> bool:
        return not pc.any(pc.match_substring_regex(values, EDGE_SPACE)).as_py()

    kind_type = getattr(pa, kind)()
    cases = [[v] for v in EDGES] + [[v, "plain", ""] for v in EDGES] + [[None, "a"], []]
    for values in cases:
        array = pa.array(["pad", *values], kind_type).slice(1)  # an offset into the buffers
        chunked = pa.chunked_array([pa.array(["ok"], kind_type), array], kind_type)
        for strings in (array, chunked):
            assert nothing_to_trim(strings) == regex(strings), values


def test_code_groups_order_and_blanks() -> None:
    values = pd.Series(["b ", "a", "", " c", "b", "zz"], dtype="str")
    index, order = code_groups(values, None)
    assert order == ["a", "b", "c", "zz"]
    assert index.tolist() == [1, 0, -1, 2, 1, 3]
    index, order = code_groups(values, ["c", "b"])
    assert index.tolist() == [1, -1, -1, 0, 1, -1]


def test_cross_counts_equal_counts_per_breakdown() -> None:
    rng = np.random.default_rng(3)
    rows, width = 2000, 6
    codes = np.asfortranarray(rng.integers(-1, 5, size=(rows, 4)).astype(np.int16))
    domains: list[tuple[np.ndarray, list[dict[str, str]]]] = [
        (np.zeros(rows, dtype=np.int64), [{}])
    ]
    for size in (13, 2, 3):
        index = rng.integers(-1, size, size=rows)  # -1: blank
        domains.append((index, [{"g": str(i)} for i in range(size)]))
    coded = ItemCodes.of_codes(codes)
    fast = _all_counts(coded, domains, width)
    assert fast is not None
    for (domain, labels), counts in zip(domains, fast, strict=True):
        assert np.array_equal(counts, _counts(coded, domain, len(labels), width))


def test_counts_equal_a_plain_loop() -> None:
    rng = np.random.default_rng(4)
    codes = rng.integers(-1, 5, size=(300, 3)).astype(np.int16)
    domain = rng.integers(-1, 4, size=300)
    expected = np.zeros((4, 3, 6), dtype=np.int64)
    for r in range(300):
        if domain[r] >= 0:
            for j in range(3):
                expected[domain[r], j, codes[r, j] + 1] += 1
    assert np.array_equal(_counts(ItemCodes.of_codes(codes), domain, 4, 6), expected)


def test_factorize_in_threads_equals_one_by_one() -> None:
    import pyarrow as pa

    from tpn_survey.analysis.coding import PARALLEL_ROWS, factorize, factorize_all

    rng = np.random.default_rng(3)
    n = PARALLEL_ROWS + 1000
    labels = np.array(["Agree", "Disagree", " Agree ", "", "Strongly agree", "N/A"])
    columns = [
        pd.Series(pd.arrays.ArrowExtensionArray(pa.array(labels[rng.integers(0, 6, n)])))
        for _ in range(5)
    ]
    columns.append(pd.Series(labels[rng.integers(0, 6, n)], dtype=object))
    together = factorize_all(columns)
    for column, (inverse, uniques) in zip(columns, together, strict=True):
        want_inverse, want_uniques = factorize(column)
        assert uniques == want_uniques
        np.testing.assert_array_equal(inverse, want_inverse)


def test_codes_of_some_rows_equal_the_rows_of_the_codes() -> None:
    rng = np.random.default_rng(7)
    codes = rng.integers(-2, 5, size=(500, 3)).astype(np.int16)
    coded = ItemCodes.of_codes(codes)
    rows = rng.permutation(500)[:321]
    got = coded.codes_of(rows)
    assert got.dtype == np.int16 and got.flags.f_contiguous
    assert np.array_equal(got, codes[rows])
    assert coded.codes_of(np.arange(0)).shape == (0, 3)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.booleans(), min_size=1, max_size=9),
    st.lists(st.integers(-2, 7), min_size=0, max_size=60),
    st.sampled_from([np.int8, np.int16, np.int64]),
)
def test_in_runs_equals_the_table_lookup(table: list[bool], codes: list[int], dtype: type) -> None:
    """Masks from the runs of a level table equal indexing the table with code + 1; an
    off-scale code (-2) is in no run. The buffers hold whatever an earlier column left."""
    from tpn_survey.analysis.estimates import _in_runs

    lookup = np.array(table)
    column = np.array([c for c in codes if c + 1 < len(table)], dtype=dtype)
    out = np.empty(column.size, dtype=bool)
    shifted = np.full(column.size, 99, dtype=dtype)
    hit = np.ones(column.size, dtype=bool)
    _in_runs(column, lookup, out, shifted, hit)
    expected = np.where(column >= -1, lookup[np.maximum(column.astype(np.int64) + 1, 0)], False)
    assert (out == expected).all()


@pytest.mark.parametrize(
    ("ids", "ascending"),
    [
        (["R_1", "R_2", "R_9", "R_10", "R_11", "R_100"], True),  # sequential: no hashing
        (["a"], True),
        (["R_1", "R_2", "R_2"], False),  # a repeat next to itself
        (["R_2", "R_1"], False),
        (["R_1", "R_10", "R_2"], False),  # shorter after longer: hashed instead
        (["b", "a", "b"], False),
    ],
)
def test_ascending_ids_are_distinct_without_hashing(
    ids: list[str], ascending: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    from tpn_survey.validate import _all_distinct_and_trimmed

    values = pd.Series(pa.chunked_array([ids[:1], ids[1:]]), dtype=pd.ArrowDtype(pa.string()))
    hashed: list[int] = []
    real_unique = pc.unique

    def unique(values: object) -> object:
        hashed.append(1)
        return real_unique(values)

    monkeypatch.setattr(pc, "unique", unique)
    assert _all_distinct_and_trimmed(values) == (len(set(ids)) == len(ids))
    assert bool(hashed) != ascending


@pytest.mark.parametrize(
    ("cells", "merged"),
    [
        (["b", "a", "", "b", "a"], False),  # nothing to trim, a blank: the index as it is
        (["b", "a", None, "b"], False),  # a null counts as ""
        (["b", " a", "a ", "", "a"], True),  # trimming merges three spellings
    ],
)
def test_trimmed_factorize_of_coded_cells(cells: list[str | None], merged: bool) -> None:
    import pyarrow as pa

    array = pa.array(cells, pa.string()).dictionary_encode()
    values = pd.Series(array, dtype=pd.ArrowDtype(array.type))
    inverse, texts = trimmed_factorize(values)
    assert inverse.dtype == np.int64
    assert [texts[i] for i in inverse] == [(c or "").strip() for c in cells]
    assert len(set(texts)) == len(texts) and "" in texts
    assert (len(texts) < len({c or "" for c in cells} | {""})) == merged


def test_chunks_with_their_own_dictionaries_are_coded_as_one() -> None:
    """Each parsed block has its own dictionary (its labels in the order it met them); the
    column's distinct values are every block's, first seen first, as unifying gives them."""
    import pyarrow as pa

    from tpn_survey.analysis.coding import _one_dictionary, factorize

    rng = np.random.default_rng(5)
    labels = ["Agree", "Disagree", "", "Not applicable", "Strongly agree"]
    chunks = [
        pa.array(
            list(rng.choice(labels[: rng.integers(1, 6)], rng.integers(1, 50)))
        ).dictionary_encode()
        for _ in range(12)
    ]
    column = pa.chunked_array(chunks)
    unified = pa.table({"v": column}).unify_dictionaries().column(0).combine_chunks()
    joined = _one_dictionary(column)
    assert joined.dictionary.to_pylist() == unified.dictionary.to_pylist()
    assert joined.indices.to_pylist() == unified.indices.to_pylist()
    inverse, uniques = factorize(pd.Series(column, dtype=pd.ArrowDtype(column.type)))
    assert [uniques[i] for i in inverse] == column.to_pylist()
