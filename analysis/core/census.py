"""The built-in target preset "Viet Nam population (Census 2019)": sex, urban/rural area, six regions.

The figures are the General Statistics Office's 2019 Population and Housing Census totals, copied
into ``analysis/data/vietnam_census_2019.csv`` with their source (``analysis/data/README.md``).
Every variable adds up to the resident population, 96,208,984.
"""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from analysis.core.weighting import TargetKind, TargetSet, build_target_set
from surveys.core.messages import gettext_noop

CENSUS_2019_PATH = Path(__file__).resolve().parent.parent / "data" / "vietnam_census_2019.csv"
CENSUS_2019_POPULATION = 96_208_984
CENSUS_2019_NAME = gettext_noop("Viet Nam population (Census 2019)")
CENSUS_2019_SOURCE = (
    "General Statistics Office of Viet Nam, 2019 Population and Housing Census (population at 00:00, 1 April 2019)"
)
# The variables' display names, in the order the preset lists them.
VARIABLE_LABELS = {
    "sex": {"vi": "Giới tính", "en": "Sex"},
    "area": {"vi": "Thành thị/nông thôn", "en": "Urban/rural"},
    "region": {"vi": "Vùng kinh tế - xã hội", "en": "Socio-economic region"},
}


@dataclass(frozen=True, slots=True)
class CensusCategory:
    code: str
    label_vi: str
    label_en: str
    population: int

    def label(self, language: str) -> str:
        return self.label_vi if language == "vi" else self.label_en


@dataclass(frozen=True, slots=True)
class CensusVariable:
    name: str
    label_vi: str
    label_en: str
    categories: tuple[CensusCategory, ...]

    @property
    def population(self) -> int:
        return sum(category.population for category in self.categories)


@dataclass(frozen=True, slots=True)
class CensusPreset:
    name: str  # English msgid; translate for display
    source: str
    population: int
    variables: tuple[CensusVariable, ...]

    def target_set(self, variables: tuple[str, ...] | None = None) -> TargetSet:
        """Return the counts of the chosen variables (all by default) as a target set."""
        chosen = self.variables if variables is None else tuple(self.variable(name) for name in variables)
        raw = {v.name: {c.code: c.population for c in v.categories} for v in chosen}
        return build_target_set(raw, kind=TargetKind.COUNTS)

    def variable(self, name: str) -> CensusVariable:
        for variable in self.variables:
            if variable.name == name:
                return variable
        raise KeyError(name)


@cache
def load_vietnam_census_2019() -> CensusPreset:
    """Return the census preset read from the CSV shipped with the project."""
    rows: dict[str, list[CensusCategory]] = {}
    with CENSUS_2019_PATH.open(encoding="utf-8-sig", newline="") as file:
        for row in csv.DictReader(file):
            rows.setdefault(row["variable"], []).append(
                CensusCategory(
                    code=row["category_code"],
                    label_vi=row["label_vi"],
                    label_en=row["label_en"],
                    population=int(row["population"]),
                )
            )
    variables = tuple(
        CensusVariable(name=name, label_vi=labels["vi"], label_en=labels["en"], categories=tuple(rows[name]))
        for name, labels in VARIABLE_LABELS.items()
    )
    for variable in variables:
        if variable.population != CENSUS_2019_POPULATION:  # a damaged data file must not become targets
            raise ValueError(f"{CENSUS_2019_PATH.name}: {variable.name} adds up to {variable.population}")
    return CensusPreset(
        name=CENSUS_2019_NAME, source=CENSUS_2019_SOURCE, population=CENSUS_2019_POPULATION, variables=variables
    )
