"""The second workload: RAMSA §4(e)-(f) timelines for many countries (dates, durations, division, aggregates).

    generate(n, path_jsonl, seed) -> writes n Country records (JSONL) and returns the globals
    python_loop(rows, listed, as_of) / polars_frame(frame, listed, as_of) -> three decisions hand-written
    check(decided_rows, ...) -> how many rows `rules batch` decided differently

Each record is complete (every fact `rules batch` reads for these decisions is given), so the
hand-written code can ignore unknowns; it computes three of the Country decisions:
- review_period_end = certification_date + 90 days (when certified)                  -- dates, durations
- may_enter_into_force = approved by joint resolution, or 90 days elapsed without disapproval
- critical_mineral_coverage = |listed minerals covered| / |listed minerals|, exact   -- aggregates, division
`rules batch` decides all twelve Country decisions with citations, statuses and missing facts.
"""
from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal

from interpreter.language.values import EXACT

AS_OF = dt.date(2026, 9, 1)
ISO3 = ["AUS", "JPN", "CAN", "DEU", "FRA", "GBR", "KOR", "IND", "BRA", "CHL", "ARG", "ZAF", "NAM", "MEX", "IDN",
        "PHL", "VNM", "MYS", "THA", "SAU", "ARE", "NOR", "SWE", "FIN", "POL", "ITA", "ESP", "PRT", "NZL", "PER"]
MINERALS_EXTRA = ["unobtainium", "gold", "silver"]


def listed_minerals(loaded) -> frozenset:
    """The listed critical minerals on AS_OF, as the rule set reads them (the baselines take it as given)."""
    from interpreter import api

    result = api.evaluate_data(loaded, {"as_of": AS_OF.isoformat(), "countries": []})
    outcome = result.evaluator.outcome(loaded.ruleset.values["listed_critical_minerals"], None)
    return outcome.value


def generate(n: int, path: str, listed, seed: int = 7) -> dict:
    """n Country records with certification, resolution and agreement dates around 2026 -> JSONL."""
    rng = random.Random(seed)
    listed = sorted(listed)
    day0 = dt.date(2025, 10, 1)
    with open(path, "w", encoding="utf-8") as out:
        for index in range(n):
            certified = rng.random() < 0.8
            certification = day0 + dt.timedelta(days=rng.randrange(0, 330))
            approval = certification + dt.timedelta(days=rng.randrange(-10, 120))
            disapproval = certification + dt.timedelta(days=rng.randrange(-5, 120))
            covered = [m for m in listed if rng.random() < 0.93] + rng.sample(MINERALS_EXTRA, rng.randrange(0, 2))
            record = {
                "iso3": f"{rng.choice(ISO3)}{index}", "name": f"Country {index}",
                "is_trading_partner": rng.random() < 0.9, "ustr_determination": rng.choice(["complies", "complies", "does_not_comply"]),
                "certified": certified, "certification_date": certification.isoformat(),
                "approval_enacted": rng.random() < 0.3, "approval_enacted_date": approval.isoformat(),
                "disapproval_enacted": rng.random() < 0.1, "disapproval_enacted_date": disapproval.isoformat(),
                "agreement_entered_into_force": rng.random() < 0.5,
                "agreement_date": (certification + dt.timedelta(days=rng.randrange(30, 200))).isoformat(),
                "agreement_ended": False,
                "agreement_covered_minerals": covered,
                "agreement_covered_select_products": ["permanent_magnet", "lithium_ion_battery_ev"],
            }
            out.write(json.dumps(record) + "\n")
    return {"as_of": AS_OF.isoformat(), "enactment_date": "2025-12-18"}


def read_rows(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def python_loop(rows: list[dict], listed: frozenset, as_of: dt.date = AS_OF):
    """-> (review_period_end, may_enter_into_force, critical_mineral_coverage) per row."""
    period = dt.timedelta(days=90)
    total = Decimal(len(listed))
    ends, may, coverage = [], [], []
    for row in rows:
        certified = row["certified"]
        certification = dt.date.fromisoformat(row["certification_date"])
        end = certification + period
        approved = certified and row["approval_enacted"] and \
            certification <= dt.date.fromisoformat(row["approval_enacted_date"]) <= as_of
        disapproval = dt.date.fromisoformat(row["disapproval_enacted_date"])
        disapproved = row["disapproval_enacted"] and certification <= disapproval <= end
        ends.append(end if certified else None)
        may.append(bool(approved or (certified and as_of > end and not disapproved)))
        covered = len(listed.intersection(row["agreement_covered_minerals"]))  # a set: a name given twice counts once
        coverage.append(EXACT.divide(Decimal(covered), total))
    return ends, may, coverage


def polars_frame(frame, listed: frozenset, as_of: dt.date = AS_OF):
    """The same as polars expressions; coverage as the count of listed minerals covered."""
    import polars as pl

    certification = pl.col("certification_date").str.to_date()
    end = certification + pl.duration(days=90)
    approval = pl.col("approval_enacted_date").str.to_date()
    disapproval = pl.col("disapproval_enacted_date").str.to_date()
    approved = pl.col("certified") & pl.col("approval_enacted") & (approval >= certification) & (approval <= as_of)
    disapproved = pl.col("disapproval_enacted") & (disapproval >= certification) & (disapproval <= end)
    lapsed = pl.col("certified") & (pl.lit(as_of) > end) & ~disapproved
    listed_series = pl.lit(pl.Series(sorted(listed)))
    return frame.select(
        pl.when(pl.col("certified")).then(end).alias("review_period_end"),
        (approved | lapsed).alias("may_enter_into_force"),
        pl.col("agreement_covered_minerals").list.set_intersection(listed_series.implode()).list.len().alias("covered"),
    )


def check(decided: list[dict], ends, may, coverage) -> int:
    """Rows where `rules batch` decided differently from the hand-written loop."""
    differing = 0
    for row, end, allowed, share in zip(decided, ends, may, coverage):
        got_end = row["review_period_end"]
        if (got_end or None) != (end.isoformat() if end else None) or row["may_enter_into_force"] != allowed \
                or Decimal(str(row["critical_mineral_coverage"])) != share:
            differing += 1
    return differing
