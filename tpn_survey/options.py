"""What an analysis estimates (`Options`), kept apart from the analysis so that the CLI can
check its options without loading pandas and scipy."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tpn_survey.vocab import ADJUST_METHODS


class Options(BaseModel):
    """What to estimate; every field has the CLI's default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    by: list[str] = []
    compare: str | None = None
    ci: str | None = None
    level: float = Field(default=0.95, gt=0, lt=1, allow_inf_nan=False)
    min_n: int = Field(default=10, ge=0)
    weight: str | None = None
    cluster: str | None = None
    strata: str | None = None
    population: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    reference: str | None = None
    adjust: str = "holm"
    paired: bool = False  # compare linked people wave to wave (schema `link:`)

    def named_columns(self) -> dict[str, list[str]]:
        """Option -> the groups or columns it names (for the pii check)."""
        roles = {"--by": list(self.by), "--compare": [self.compare] if self.compare else []}
        for option in ("weight", "cluster", "strata"):
            value = getattr(self, option)
            roles[f"--{option}"] = [value] if value else []
        return roles

    @field_validator("adjust")
    @classmethod
    def _known_adjustment(cls, value: str) -> str:
        if value not in ADJUST_METHODS:
            raise ValueError(f"use one of {', '.join(ADJUST_METHODS)}, not {value!r}")
        return value
