"""Group values compared as folded text: Unicode NFC, non-breaking spaces as spaces, so two
spellings of one organization are counted together (with a warning that they were merged)."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

import numpy as np

from tpn_survey.problems import Problem

if TYPE_CHECKING:
    import pandas as pd

    from tpn_survey.io.table import Table

_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2007": " "})


def fold_text(value: str) -> str:
    """A group value as it is compared: Unicode NFC, non-breaking spaces as spaces."""
    import unicodedata

    return unicodedata.normalize("NFC", value).translate(_SPACES)


def folded_column(values: pd.Series) -> tuple[pd.Series, list[str]]:
    """`values` with every text folded by `fold_text` (computed once per distinct value), and
    the folded texts that two or more spellings became."""
    import pandas as pd

    codes, uniques = pd.factorize(values)
    texts = ["" if v is None else str(v) for v in uniques]
    folded = [fold_text(t) for t in texts]
    if folded == texts:
        return values, []
    seen: dict[str, int] = {}
    for fold in folded:
        seen[fold.strip()] = seen.get(fold.strip(), 0) + 1
    merged = [k for k, n in seen.items() if n > 1]
    cells = np.array(folded, dtype=object)[codes] if len(codes) else np.array([], object)
    if isinstance(values.dtype, pd.CategoricalDtype):
        return pd.Series(cells, index=values.index).astype("category"), merged
    import pyarrow as pa

    return pd.Series(cells, index=values.index, dtype=pd.ArrowDtype(pa.string())), merged


def fold_group_values(table: Table, columns: Collection[str]) -> list[Problem]:
    """Fold the cells of `columns` (group columns) with `fold_text`, in place; a warning for
    each column where two spellings became one (they would be counted apart)."""
    from tpn_survey.problems import ProblemCode
    from tpn_survey.shown import shown, some

    problems = []
    frame = table.frame
    for col in columns:
        if col not in frame.columns:
            continue
        frame[col], merged = folded_column(frame[col])
        if merged:
            problems.append(
                Problem(
                    code=ProblemCode.MERGED_SPELLINGS,
                    severity="warning",
                    column=col,
                    message=(
                        f"column {col!r}: values written with different Unicode forms or "
                        f"non-breaking spaces were merged: {some(shown(k) for k in merged)}"
                    ),
                )
            )
    table.problems = [*table.problems, *problems]
    return problems
