"""Hand-written baselines for the RAMSA §4(g)/§5 duty decision: what a developer would write
without the rule engine, as a plain-Python loop and as polars expressions.

Both compute, per import line: the treatment, the duty rate, the duty in cents (rounded half up)
and the citations of the treatment, rate and duty (as `rules batch` writes them). They hard-code
the legal logic of rules/ramsa §§3, 4(g) and 5 and take the reference data (USGS list, Section 301
rates, covered nations) and the Alliance members in force from the same files and GLOBALS, so
their answers can be checked against `rules batch` on the same lines (`check_against`). Like
most hand-written code they handle only complete lines: a missing fact is not reported as such;
but the Section 301 table is partial, as in the rule set, so a code it has no row for leaves the
rate and the duty undetermined (None, no citation), as `rules batch` does.
"""
from __future__ import annotations

import csv
import datetime as dt
import os
from decimal import Decimal

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "rules", "ramsa", "data")
REFERENCE_DATE = dt.date(2026, 1, 1)
SELECT = {"permanent_magnet", "lithium_ion_battery_ev", "lithium_ion_battery_other", "battery_part_non_lithium"}
CITE = {"not_covered": ("RAMSA §5", "", ""), "section_301_matching": ("RAMSA §5", "RAMSA §5", "RAMSA §5"),
        "alliance_duty_free": ("RAMSA §4(g)", "RAMSA §4(g)(1)", "RAMSA §4(g)(1)")}


class Reference:
    """The reference data and Alliance dates the hand-written code needs."""

    def __init__(self, members_in_force: dict[str, dt.date]):
        with open(os.path.join(DATA, "critical_minerals.csv"), encoding="utf-8") as handle:
            self.mineral_rows = [(r["mineral"], dt.date.fromisoformat(r["listed_from"]),
                                  dt.date.fromisoformat(r["listed_until"]) if r["listed_until"] else None)
                                 for r in csv.DictReader(handle)]
        with open(os.path.join(DATA, "section301_china_rates.csv"), encoding="utf-8") as handle:
            self.rate_rows = [(r["hts"].replace(".", ""), Decimal(r["rate"].rstrip("%")) / 100,
                               dt.date.fromisoformat(r["effective_from"])) for r in csv.DictReader(handle)]
        with open(os.path.join(DATA, "covered_nations.csv"), encoding="utf-8") as handle:
            self.concern = {r["iso3"] for r in csv.DictReader(handle)} | {"VEN"}
        self.members = members_in_force
        self.first = min(members_in_force.values()) if members_in_force else None
        self.listed_2026 = {m for m, start, end in self.mineral_rows if start <= REFERENCE_DATE and (end is None or REFERENCE_DATE < end)}
        self._rates: dict[str, Decimal] = {}

    def listed_later(self, mineral: str, day: dt.date) -> bool:
        live = [start for m, start, end in self.mineral_rows if m == mineral and start <= day and (end is None or day < end)]
        return bool(live) and max(live) > REFERENCE_DATE

    def rate(self, hts: str) -> Decimal | None:
        """Section 301 rate on 2026-01-01 by longest HTS prefix with a row in force (None if none:
        the table is partial, so the rate is not known)."""
        if hts in self._rates:
            return self._rates[hts]
        code = "".join(c for c in hts if c.isalnum())
        known = None
        for prefix in sorted({p for p, _, _ in self.rate_rows if code.startswith(p)}, key=len, reverse=True):
            live = [(start, rate) for p, rate, start in self.rate_rows if p == prefix and start <= REFERENCE_DATE]
            if live:
                known = max(live)[1]
                break
        self._rates[hts] = known
        return known


def python_loop(columns: dict, ref: Reference):
    """Plain Python over lists of column values -> four output lists."""
    listed, concern, members, first = ref.listed_2026, ref.concern, ref.members, ref.first
    later_cache: dict = {}
    rate_of = ref.rate
    treatments, rates, duties, citations = [], [], [], []
    for hts, form, mineral, origin, producer, entry, cents in zip(
            columns["hts"], columns["form"], columns["mineral"], columns["origin_country"],
            columns["producer_jurisdiction"], columns["entry_date"], columns["customs_cents"]):
        if form in SELECT:
            covered = True
        elif form == "mined" or form == "processed":
            covered = mineral in listed
            if not covered:
                key = (mineral, entry)
                later = later_cache.get(key)
                if later is None:
                    later = later_cache[key] = ref.listed_later(mineral, entry)
                covered = later
        else:
            covered = False
        treatment = "not_covered"
        if covered:
            if (origin in concern or producer in concern) and first is not None and entry >= first:
                treatment = "section_301_matching"
            elif origin in members and entry >= members[origin]:
                treatment = "alliance_duty_free"
        cited = CITE[treatment]
        if treatment == "section_301_matching":
            rate = rate_of(hts)
            if rate is None:  # no row in the partial table: undetermined
                duty, cited = None, (cited[0], "", "")
            else:
                duty = (cents * int(rate * 10000) + 5000) // 10000
        elif treatment == "alliance_duty_free":
            rate, duty = Decimal(0), 0
        else:
            rate, duty = None, None
        treatments.append(treatment)
        rates.append(rate)
        duties.append(duty)
        citations.append(cited)
    return treatments, rates, duties, citations


def polars_frame(frame, ref: Reference):
    """The same decision as polars expressions over a DataFrame with the input columns."""
    import polars as pl

    later = sorted({m for m, start, _ in ref.mineral_rows if start > REFERENCE_DATE})
    later_from = {m: min(s for mm, s, _ in ref.mineral_rows if mm == m and s > REFERENCE_DATE) for m in later}
    codes = frame.get_column("hts").unique().to_list()
    rate_map = {code: None if ref.rate(code) is None else int(ref.rate(code) * 10000) for code in codes}
    mineral_ok = pl.col("mineral").is_in(sorted(ref.listed_2026))
    for mineral, start in later_from.items():
        mineral_ok = mineral_ok | ((pl.col("mineral") == mineral) & (pl.col("entry_date") >= start))
    covered = pl.col("form").is_in(sorted(SELECT)) | (pl.col("form").is_in(["mined", "processed"]) & mineral_ok)
    concern = pl.col("origin_country").is_in(sorted(ref.concern)) | pl.col("producer_jurisdiction").is_in(sorted(ref.concern))
    member_date = pl.col("origin_country").replace_strict(ref.members, default=None, return_dtype=pl.Date)
    matching = covered & concern & (pl.col("entry_date") >= ref.first)
    free = covered & member_date.is_not_null() & (pl.col("entry_date") >= member_date)
    treatment = pl.when(matching).then(pl.lit("section_301_matching")).when(free).then(pl.lit("alliance_duty_free")) \
        .otherwise(pl.lit("not_covered"))
    basis = pl.col("hts").replace_strict(rate_map, return_dtype=pl.Int64)
    out = frame.select(
        treatment.alias("treatment"),
        pl.when(matching).then(basis).when(free).then(0).alias("rate_basis_points"),
        pl.when(matching).then((pl.col("customs_cents") * basis + 5000) // 10000).when(free).then(0).alias("duty_cents"),
    )
    cite = {k: v[0] for k, v in CITE.items()}, {k: v[1] for k, v in CITE.items()}, {k: v[2] for k, v in CITE.items()}
    # no row in the partial Section 301 table: undetermined, no citation
    undetermined = (pl.col("treatment") == "section_301_matching") & pl.col("rate_basis_points").is_null()
    return out.with_columns(
        pl.col("treatment").replace_strict(cite[0], return_dtype=pl.Utf8).alias("treatment_citations"),
        pl.when(undetermined).then(pl.lit("")).otherwise(
            pl.col("treatment").replace_strict(cite[1], return_dtype=pl.Utf8)).alias("duty_rate_citations"),
        pl.when(undetermined).then(pl.lit("")).otherwise(
            pl.col("treatment").replace_strict(cite[2], return_dtype=pl.Utf8)).alias("duty_amount_citations"),
    )


def members_in_force(loaded, globals_path: str) -> dict[str, dt.date]:
    """Alliance members whose agreement is in force, with its date (read once through the API)."""
    from interpreter import api

    result = api.evaluate(loaded, globals_path)
    found = {}
    for decision in result.decisions:
        if decision.value.id == "Country.agreement_in_force" and decision.outcome.value is True:
            found[decision.record.key] = decision.record.fields["agreement_date"]
    return found


def check_against(batch_rows: list[dict], treatments, rates, duties) -> int:
    """How many lines the baseline decides differently from `rules batch` (0 expected)."""
    differing = 0
    for row, treatment, rate, duty in zip(batch_rows, treatments, rates, duties):
        expected_duty = None if row["duty_amount"] is None else int(Decimal(row["duty_amount"]) * 100)
        expected_rate = None if row["duty_rate"] is None else Decimal(row["duty_rate"])
        if (row["treatment"], expected_rate, expected_duty) != (treatment, rate, duty):
            differing += 1
    return differing
