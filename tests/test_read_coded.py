"""Columns read as arrow dictionaries (coded as they are parsed): the items, the groups and a
design's clusters and strata, never the respondent id; the results do not change."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from tests.conftest import SAMPLE, SCHEMAS
from tpn_survey.options import Options
from tpn_survey.pipeline import analyze_survey, read_survey


def _is_coded(values: pd.Series) -> bool:
    dtype = values.dtype
    return isinstance(dtype, pd.ArrowDtype) and pa.types.is_dictionary(dtype.pyarrow_dtype)


def test_design_clusters_and_strata_are_read_coded() -> None:
    data, schema = SAMPLE / "teacher_leader.csv", SCHEMAS / "teacher_leader.yaml"
    assert not _is_coded(read_survey(data, schema).table.frame["leader_id"])
    options = Options(cluster="leader_id", strata="region")
    designed = read_survey(data, schema, options=options)
    frame = designed.table.frame
    assert _is_coded(frame["leader_id"]) and _is_coded(frame["region"])
    assert not _is_coded(frame["response_id"])
    by_id = read_survey(data, schema, options=Options(cluster="response_id"))
    assert not _is_coded(by_id.table.frame["response_id"])
    # The same results as from the columns read as text.
    as_text = read_survey(data, schema)
    as_text.table.frame["region"] = as_text.table.frame["region"].astype(pd.ArrowDtype(pa.string()))
    expected = analyze_survey(as_text, options).model_dump_json()
    assert analyze_survey(designed, options).model_dump_json() == expected
