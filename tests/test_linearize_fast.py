"""The linearized sums and variances over occupied (domain, PSU) pairs equal, bit for bit, the
dense computation over every domain x PSU they replaced (kept here as the reference): sums
kept for every cell of the grid, in the former (domains, PSUs, k) layout, summed, counted and
linearized over whole arrays."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from factories import ROOT, invoke
from hypothesis import given, settings
from hypothesis import strategies as st

from tpn_survey.stats import design as design_module
from tpn_survey.stats import linearize
from tpn_survey.stats.design import Design, Strata, make_design
from tpn_survey.stats.linearize import PsuSums, Sums, coded_psu_chunks, coded_psu_sums
from tpn_survey.stats.reduction import Reduction


def dense_coded_psu_sums(
    design: Design,
    domain: np.ndarray,
    n_domains: int,
    codes: np.ndarray,
    valid: np.ndarray,
    positive: np.ndarray,
    points: np.ndarray,
    shift: int = 0,
) -> tuple[Sums, Sums, np.ndarray]:
    """The former `coded_psu_sums` of a cluster design: bincounts over every domain x PSU."""
    n_units = int(design.clusters.max()) + 1
    size = n_domains * n_units
    k, width = valid.shape
    rows = np.flatnonzero(domain >= 0)
    key = (domain[rows] * n_units + design.clusters[rows]) * width + shift
    w = design.weights[rows]
    codes = codes[rows]
    slot_counts = np.zeros((n_domains, k, width), dtype=np.int64)
    out = {name: np.zeros((k, size)) for name in ("n", "w", "wy", "wx")}
    by_domain = np.zeros((n_domains, k, width))
    for j in range(k):
        cell = key + codes[:, j]
        summed = np.bincount(cell, weights=w, minlength=size * width).reshape(size, width)
        counted_j = np.bincount(cell, minlength=size * width).reshape(size, width)
        value = np.where(valid[j], points[j], 0.0)
        out["n"][j] = counted_j @ valid[j]
        out["w"][j] = summed @ valid[j]
        out["wy"][j] = summed @ positive[j]
        out["wx"][j] = summed @ value
        by_domain[:, j] = summed.reshape(n_domains, n_units, width).sum(axis=1)
        slot_counts[:, j] = counted_j.reshape(n_domains, n_units, width).sum(axis=1)
    shaped = {
        name: arr.reshape(k, n_domains, n_units).transpose(1, 2, 0) for name, arr in out.items()
    }
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = shaped["wx"].sum(axis=1) / shaped["w"].sum(axis=1)
    deviation = np.where(valid, points - np.nan_to_num(mean)[:, :, None], 0.0)
    spread = (by_domain * deviation**2).sum(axis=-1)
    zeros = np.zeros_like(spread)
    every, grid = np.arange(size), (n_domains, n_units)
    rate_sums = PsuSums(every, grid, w=out["w"], wx=out["wy"], n=out["n"], spread=zeros)
    mean_sums = PsuSums(every, grid, w=out["w"], wx=out["wx"], n=out["n"], spread=spread)
    return rate_sums, mean_sums, slot_counts


def full(sums: PsuSums, name: str) -> np.ndarray:
    """A field over every (domain, PSU), in the former layout: (domains, PSUs, k), a view of
    a (k, domains x PSUs) array."""
    values = getattr(sums, name)
    grid = np.zeros((values.shape[0], sums.shape[0] * sums.shape[1]))
    grid[:, sums.cells] = values
    return grid.reshape(values.shape[0], *sums.shape).transpose(1, 2, 0)


def dense_totals(sums: PsuSums, name: str) -> np.ndarray:
    """The former sums over PSUs: `sums.w.sum(axis=1)` of the whole array."""
    return np.asarray(full(sums, name).sum(axis=1))


def dense_sums_degf(
    sums: PsuSums, strata: Strata, pairs: tuple[np.ndarray, np.ndarray] | None = None
) -> np.ndarray:
    """The former degf of the sums' domains (or pairs of them), from the whole count array."""
    n = full(sums, "n")
    if pairs is not None:
        n = n[pairs[0]] + n[pairs[1]]
    return dense_degf(strata, n > 0)


def dense_squares(strata: Strata, totals: np.ndarray) -> np.ndarray:
    """The former squared deviations within strata of `Strata.variance`: all of
    (..., PSUs, k) at once, as (strata, ... x k)."""
    moved = np.moveaxis(totals, -2, 0)
    flat = moved.reshape(moved.shape[0], -1)
    order = np.argsort(strata.of_psu, kind="stable")
    sizes = strata.n_psu.astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    present = sizes > 0

    def by_stratum(x: np.ndarray) -> np.ndarray:
        out = np.zeros((sizes.size, x.shape[1]), dtype=x.dtype)
        out[present] = np.add.reduceat(x[order], starts[present], axis=0)
        return out

    mean = by_stratum(flat) / strata.n_psu[:, None]
    return by_stratum((flat - mean[strata.of_psu]) ** 2)


def dense_variance(strata: Strata, totals: np.ndarray) -> np.ndarray:
    """The former `Strata.variance`: all of (..., PSUs, k) at once."""
    squares = dense_squares(strata, totals)
    return (strata.scale @ squares).reshape(*totals.shape[:-2], totals.shape[-1])


def dense_degf(strata: Strata, members: np.ndarray) -> np.ndarray:
    """The former `Strata.degf`: PSUs with a member minus strata with one, all at once."""
    moved = np.moveaxis(members, -2, 0)
    flat = moved.reshape(moved.shape[0], -1).astype(np.int64)
    by_stratum = np.zeros((strata.n_psu.size, flat.shape[1]), dtype=np.int64)
    np.add.at(by_stratum, strata.of_psu, flat)
    return (flat.sum(axis=0) - (by_stratum > 0).sum(axis=0)).reshape(moved.shape[1:])


def dense_ratio_variance(
    strata: Strata, sums: Sums, ratio: np.ndarray, total_w: np.ndarray
) -> np.ndarray:
    """The former `ratio_variance` of a cluster design."""
    assert isinstance(sums, PsuSums)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (full(sums, "wx") - ratio[:, None, :] * full(sums, "w")) / total_w[:, None, :]
    return dense_variance(strata, np.nan_to_num(t))


def dense_influence_totals(sums: PsuSums, ratio: np.ndarray, total_w: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (full(sums, "wx") - ratio[:, None, :] * full(sums, "w")) / total_w[:, None, :]
    return np.nan_to_num(t)


def dense_variance_squares(
    strata: Strata, sums: PsuSums, ratio: np.ndarray, total_w: np.ndarray
) -> list[np.ndarray]:
    """The squares of the former `ratio_variance` (whole arrays), cut into the columns
    `Strata.product` takes: (domains, strata) each."""
    t = dense_influence_totals(sums, ratio, total_w)
    squares = dense_squares(strata, t).reshape(-1, t.shape[0], t.shape[-1])
    return [squares[:, :, j].T for j in range(t.shape[-1])]


def dense_coded_psu_chunks(
    design: Design,
    domain: np.ndarray,
    n_domains: int,
    codes: np.ndarray,
    valid: np.ndarray,
    positive: np.ndarray,
    points: np.ndarray,
    shift: int = 0,
    budget: int | None = None,
) -> Iterator[tuple[slice, Sums, Sums, np.ndarray]]:
    """The former sums, every item at once, whatever the budget."""
    rate, mean, counts = dense_coded_psu_sums(
        design, domain, n_domains, codes, valid, positive, points, shift
    )
    yield slice(0, valid.shape[0]), rate, mean, counts


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def _case(seed: int, n: int, n_clusters: int, n_domains: int, k: int) -> tuple:
    rng = np.random.default_rng(seed)
    n_strata = max(1, min(5, n_clusters // 2))
    strata = rng.integers(0, n_strata, n_clusters)
    strata[: 2 * n_strata] = np.repeat(np.arange(n_strata), 2)  # 2 PSUs a stratum at least
    cluster = rng.integers(0, n_clusters, n)
    cluster[: 2 * n_strata] = np.arange(2 * n_strata)
    built = make_design(
        n,
        weights=rng.gamma(2.0, 3.0, n),
        strata=strata[cluster],
        clusters=cluster,
        fpc=None if seed % 2 else np.full(n, 4 * n_clusters),
    )
    domain = rng.integers(-1, n_domains, n)
    width = 7
    codes = rng.integers(-2, width - 2, (n, k))  # slot = code + 2
    valid = np.zeros((k, width), dtype=bool)
    valid[:, 2:6] = True
    positive = np.zeros((k, width), dtype=bool)
    positive[:, 4:6] = True
    points = np.where(valid, np.arange(width) - 1.0, 0.0) * rng.choice([1.0, 0.37], (k, 1))
    return built, domain, n_domains, np.asfortranarray(codes), valid, positive, points


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(20, 400),
    per_cluster=st.floats(1.0, 20.0),
    n_domains=st.integers(1, 4),
    k=st.integers(1, 5),
)
def test_coded_sums_equal_dense(
    seed: int, n: int, per_cluster: float, n_domains: int, k: int
) -> None:
    args = _case(seed, n, max(10, int(n / per_cluster)), n_domains, k)
    fast = coded_psu_sums(*args, shift=2)
    dense = dense_coded_psu_sums(*args, shift=2)
    for got, want in zip(fast[:2], dense[:2], strict=True):
        assert isinstance(got, PsuSums) and isinstance(want, PsuSums)
        for field in ("w", "wx", "n"):
            assert _same(full(got, field), full(want, field)), field
            assert _same(got.totals(field), dense_totals(want, field)), field
        assert _same(got.spread, want.spread)
    assert _same(fast[2], dense[2])
    strata = Strata.of(args[0])
    sums = fast[1]
    assert isinstance(sums, PsuSums)
    total_w = sums.totals("w")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = sums.totals("wx") / total_w
    assert _same(
        linearize.ratio_variance(strata, sums, ratio, total_w),
        dense_ratio_variance(strata, sums, ratio, total_w),
    )
    assert _same(
        strata.product((n_domains,), dense_variance_squares(strata, sums, ratio, total_w)),
        dense_ratio_variance(strata, sums, ratio, total_w),
    )
    no_columns = np.zeros((n_domains, strata.of_psu.size, 0))
    assert _same(strata.variance(no_columns), dense_variance(strata, no_columns))
    members = full(sums, "n") > 0
    assert _same(strata.degf(members), dense_degf(strata, members))
    assert _same(sums.degf(strata), dense_sums_degf(sums, strata))
    a, b = np.array([0] * n_domains), np.arange(n_domains)
    assert _same(sums.degf(strata, (a, b)), dense_sums_degf(sums, strata, (a, b)))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.nan_to_num(
            (full(sums, "wx") - ratio[:, None, :] * full(sums, "w")) / total_w[:, None, :]
        )
    assert _same(
        linearize.difference_variance(strata, sums, ratio, total_w, a, b),
        dense_variance(strata, t[a] - t[b]),
    )


def dense_reduced(strata: Strata, sums: PsuSums) -> dict[str, np.ndarray]:
    """The former reduction of the sums of every column at once, from whole arrays."""
    total_w = dense_totals(sums, "w")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = dense_totals(sums, "wx") / total_w
    return {
        "w": total_w,
        "wx": dense_totals(sums, "wx"),
        "n": dense_totals(sums, "n"),
        "degf": dense_sums_degf(sums, strata),
        "spread": sums.spread,
        "variance": dense_ratio_variance(strata, sums, ratio, total_w),
    }


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(20, 300),
    per_cluster=st.floats(1.0, 10.0),
    n_domains=st.integers(1, 3),
    k=st.integers(0, 9),
    per_chunk=st.integers(1, 4),
    composites=st.integers(0, 2),
)
def test_chunked_reductions_equal_the_whole(
    seed: int, n: int, per_cluster: float, n_domains: int, k: int, per_chunk: int, composites: int
) -> None:
    """Sums made a few items at a time and reduced as they come (composites' sums joined
    last) give, to the last bit, what the whole dense arrays gave: totals, degf, spread,
    and the variances, whose product over strata is taken once over every column."""
    args = _case(seed, n, max(10, int(n / per_cluster)), n_domains, k)
    built = args[0]
    strata = Strata.of(built)
    rate, mean, counts = coded_psu_sums(*args, shift=2)
    assert isinstance(rate, PsuSums) and isinstance(mean, PsuSums)
    budget = 4 * 8 * rate.cells.size * per_chunk
    rates, means = Reduction(strata), Reduction(strata)
    chunk_counts = np.zeros_like(counts)
    sizes = []
    for items, r, m, c in coded_psu_chunks(*args, shift=2, budget=budget):
        sizes.append(items.stop - items.start)
        rates.add(r)
        means.add(m)
        chunk_counts[:, items] = c
    whole_chunks = [per_chunk] * (k // per_chunk) + ([k % per_chunk] if k % per_chunk else [])
    assert sizes == (whole_chunks or [0])  # no items: one empty chunk
    assert _same(chunk_counts, counts)
    rng = np.random.default_rng(seed)
    scores = np.where(rng.random((n, composites)) < 0.2, np.nan, rng.normal(3, 1, (n, composites)))
    extra = linearize.psu_sums(built, args[1], n_domains, np.isfinite(scores), scores, True)
    means.add(extra)
    whole_means = linearize.concat_sums(mean, extra)
    assert isinstance(whole_means, PsuSums)
    for got, sums in ((rates.result(), rate), (means.result(), whole_means)):
        want = dense_reduced(strata, sums)
        for field, value in want.items():
            mine = got.variance(strata) if field == "variance" else getattr(got, field)
            assert _same(mine, value), field


@pytest.mark.parametrize("seed", range(4))
def test_coded_sums_with_empty_domains_equal_dense(seed: int) -> None:
    """Domains nobody is in (the first, one in the middle, the last) get zero counts."""
    built, domain, n_domains, *rest = _case(seed, 300, 40, 5, 3)
    domain = np.where(np.isin(domain, [0, 2, 4]), -1, domain)
    fast = coded_psu_sums(built, domain, n_domains, *rest, shift=2)
    dense = dense_coded_psu_sums(built, domain, n_domains, *rest, shift=2)
    for got, want in zip(fast[:2], dense[:2], strict=True):
        assert isinstance(got, PsuSums) and isinstance(want, PsuSums)
        for field in ("w", "wx", "n"):
            assert _same(full(got, field), full(want, field)), field
        assert _same(got.spread, want.spread)
    assert _same(fast[2], dense[2])
    k = rest[1].shape[0]
    assert not fast[2][[0, 2, 4]].any() and fast[2].sum() == (domain >= 0).sum() * k


def _bench_files(folder: Path, rows: int, clusters: int) -> tuple[Path, Path]:
    spec = importlib.util.spec_from_file_location("generate", ROOT / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    paths = generate.write(rows, folder, clusters=clusters)
    return paths["csv"], paths["schema_design"]


@pytest.mark.parametrize(("clusters", "budget"), [(40, None), (900, None), (900, 1)])
def test_results_json_equal_dense_path(
    clusters: int, budget: int | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """results.json of a design-based run, its sums made a few items at a time (`budget`
    None: as the analysis sizes them; 1: one item at a time), is byte-identical with the
    dense reference path: every item at once over every (domain, PSU), whole arrays."""
    data, schema = _bench_files(tmp_path, 2000, clusters)
    argv = ["analyze", str(data), "--schema", str(schema), "--format", "json", "--by", "region"]
    argv += ["--by", "role", "--ci", "logit"]
    if budget is not None:
        monkeypatch.setattr(linearize, "SUMS_BUDGET", budget)
    code, out = invoke(*argv, "--out", str(tmp_path / "fast"))
    assert code == 0, out
    monkeypatch.setattr(linearize, "coded_psu_chunks", dense_coded_psu_chunks)
    monkeypatch.setattr(linearize, "variance_squares", dense_variance_squares)
    monkeypatch.setattr(linearize, "ratio_variance", dense_ratio_variance)
    monkeypatch.setattr(design_module.Strata, "variance", dense_variance)
    monkeypatch.setattr(PsuSums, "totals", dense_totals)
    monkeypatch.setattr(PsuSums, "degf", dense_sums_degf)
    code, out = invoke(*argv, "--out", str(tmp_path / "dense"))
    assert code == 0, out
    fast = (tmp_path / "fast" / "results.json").read_bytes()
    assert fast == (tmp_path / "dense" / "results.json").read_bytes()
    assert b'"deff"' in fast


def test_one_chunk_of_sums_held_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each chunk of PSU sums is reduced and freed before the next is made, in every
    breakdown: memory holds one chunk of sums, not every item's of every breakdown."""
    import weakref

    data, schema = _bench_files(tmp_path, 600, 200)
    made: list[weakref.ref[np.ndarray]] = []
    real = linearize.coded_psu_chunks

    def spy(*args: Any, **kwargs: Any) -> Iterator[tuple[slice, Sums, Sums, np.ndarray]]:
        for chunk in real(*args, **kwargs):
            assert [ref() for ref in made] == [None] * len(made), "earlier sums still held"
            _, rate, mean, _ = chunk
            made.extend(weakref.ref(a) for a in (rate.w, rate.wx, mean.wx, mean.n))
            yield chunk
            del chunk, rate, mean

    monkeypatch.setattr(linearize, "coded_psu_chunks", spy)
    monkeypatch.setattr(linearize, "SUMS_BUDGET", 1)  # an item a chunk
    argv = ["analyze", str(data), "--schema", str(schema), "--format", "json", "--by", "region"]
    code, out = invoke(*argv, "--by", "role", "--out", str(tmp_path / "o"))
    assert code == 0, out
    assert len(made) == 3 * 30 * 4  # overall, region, role: 30 items each


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=1, max_size=300), st.integers(41, 400))
def test_unique_keys_equal_np_unique(keys: list[int], size: int) -> None:
    from tpn_survey.stats.keys import unique_keys

    array = np.asarray(keys, dtype=np.int64)
    distinct, inverse = unique_keys(array, size)
    expected, expected_inverse = np.unique(array, return_inverse=True)
    assert np.array_equal(distinct, expected) and np.array_equal(inverse, expected_inverse)
    assert np.array_equal(distinct[inverse], array)


def row_by_row_weighted_counts(
    codes: np.ndarray, domain: np.ndarray, n_domains: int, weights: np.ndarray, width: int
) -> np.ndarray:
    """The former `weighted_counts`: the kept rows copied out, then one bincount per item."""
    out = np.zeros((n_domains, codes.shape[1], width))
    for j in range(codes.shape[1]):
        slot = codes[:, j].astype(np.int64) + 1
        keep = (slot >= 0) & (domain >= 0)
        flat = domain[keep].astype(np.int64) * width + slot[keep]
        sums = np.bincount(flat, weights=weights[keep], minlength=n_domains * width)
        out[:, j, :] = sums.reshape(n_domains, width)
    return out


@pytest.mark.parametrize("seed", range(5))
def test_weighted_counts_equal_the_row_by_row_sums(seed: int) -> None:
    """Rows in no domain (-1) and off-scale answers (-2) count nowhere; every sum is the same
    to the last bit."""
    from tpn_survey.analysis.estimates import weighted_counts

    rng = np.random.default_rng(seed)
    rows, n_domains, width = 2_000, 4, 6
    codes = rng.integers(-2, width - 1, size=(rows, 7)).astype(np.int16)
    domain = rng.integers(-1, n_domains, size=rows)
    weights = rng.gamma(2.0, 3.0, size=rows)
    got = weighted_counts(codes, domain, n_domains, weights, width)
    want = row_by_row_weighted_counts(codes, domain, n_domains, weights, width)
    assert got.tobytes() == want.tobytes()
