"""Seeded synthetic RAMSA import lines, and the shared facts (GLOBALS) to decide them with.

    python benchmarks/generate.py 1000000 lines.parquet --globals globals.yaml [--seed 7]
    python benchmarks/generate.py 3000 lines.csv --globals globals.yaml        # .csv or .parquet


The mix (by origin and producer): 30% China, 10% goods from third countries produced by a
foreign entity of concern (a PRC-incorporated producer in VNM, MEX, MYS, IDN), 8% other
countries of concern (RUS, VEN, IRN, PRK), 27% Alliance members and candidates (AUS and JPN,
whose agreements enter into force on 2026-04-15 and 2026-06-01, and CAN, certified but not in
force) with entry dates spread over 2026 so lines fall before and after entry into force, 25%
other countries. Forms cover the nine ProductForm variants (about a third are goods the Act does
not cover: final products, semi-finished goods, other goods); HTS codes are 70% Section 301
subheadings (some as 10-digit statistical suffixes, some without dots) and 30% other codes;
minerals are 85% on the USGS list. Customs values are exact cents (decimal128(14, 2)).
Generation is vectorised with NumPy (the `bench` extra: pip install -e ".[bench]") and written in
row groups, so 10M lines need little memory. Without NumPy the same mix is drawn in pure Python
(about 20 times slower, and other rows for the same seed); it says so on standard error.
rules/ramsa/examples/batch/ was made with NumPy, seed 7 (see its README.md).
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import os

import random
import sys
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

try:
    import numpy as np
except ImportError:  # the `bench` extra is not installed: fall back to pure Python
    np = None

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RAMSA = os.path.join(ROOT, "rules", "ramsa")
EXAMPLE = os.path.join(RAMSA, "examples", "imports_2026.yaml")
AS_OF = dt.date(2026, 12, 31)

FORMS = ["mined", "processed", "permanent_magnet", "lithium_ion_battery_ev", "lithium_ion_battery_other",
         "battery_part_non_lithium", "semi_finished_good", "final_product", "other_good"]
FORM_WEIGHTS = [0.14, 0.2, 0.1, 0.08, 0.06, 0.08, 0.1, 0.14, 0.1]
ORIGINS = [  # (origin, producer, weight)
    ("CHN", "CHN", 0.30),
    ("VNM", "CHN", 0.03), ("MEX", "CHN", 0.03), ("MYS", "CHN", 0.02), ("IDN", "CHN", 0.02),
    ("RUS", "RUS", 0.03), ("VEN", "VEN", 0.02), ("IRN", "IRN", 0.02), ("PRK", "PRK", 0.01),
    ("AUS", "AUS", 0.11), ("JPN", "JPN", 0.09), ("CAN", "CAN", 0.05), ("AUS", "CHN", 0.02),
    ("DEU", "DEU", 0.06), ("KOR", "KOR", 0.06), ("IND", "IND", 0.05), ("BRA", "BRA", 0.04), ("USA", "USA", 0.04),
]
OTHER_HTS = ["7108.12.10", "8517.13.00", "7403.11.00", "7601.10.60", "7502.10.00", "8541.43.00", "2601.11.00",
             "8471.30.01", "9403.60.80", "3926.90.99"]
NON_CRITICAL = ["gold", "iron", "lead", "molybdenum", "helium"]


def _reference():
    with open(os.path.join(RAMSA, "data", "section301_china_rates.csv"), encoding="utf-8") as handle:
        hts = sorted({row["hts"] for row in csv.DictReader(handle)})
    with open(os.path.join(RAMSA, "data", "critical_minerals.csv"), encoding="utf-8") as handle:
        minerals = sorted({row["mineral"] for row in csv.DictReader(handle)})
    return hts, minerals


def batches(n: int, seed: int = 7, batch_rows: int = 1 << 20):
    """Yield pyarrow RecordBatches totalling n synthetic import lines (deterministic for a seed)."""
    if np is None:
        yield from _batches_pure_python(n, seed, batch_rows)
        return
    hts_301, minerals = _reference()
    hts_301 = hts_301 + [h + "10" for h in hts_301 if len(h) == 10][:5] + [h.replace(".", "") for h in hts_301[:5]]
    hts_all = np.array(hts_301 + OTHER_HTS, dtype=object)
    hts_p = np.array([0.7 / len(hts_301)] * len(hts_301) + [0.3 / len(OTHER_HTS)] * len(OTHER_HTS))
    mineral_all = np.array(minerals + NON_CRITICAL, dtype=object)
    mineral_p = np.array([0.85 / len(minerals)] * len(minerals) + [0.15 / len(NON_CRITICAL)] * len(NON_CRITICAL))
    origin_p = np.array([w for _, _, w in ORIGINS])
    origin_p = origin_p / origin_p.sum()
    origins = np.array([o for o, _, _ in ORIGINS], dtype=object)
    producers = np.array([p for _, p, _ in ORIGINS], dtype=object)
    forms = np.array(FORMS, dtype=object)
    start_day = dt.date(2026, 1, 1).toordinal() - dt.date(1970, 1, 1).toordinal()
    rng = np.random.default_rng(seed)
    done = 0
    while done < n:
        rows = min(batch_rows, n - done)
        which = rng.choice(len(ORIGINS), size=rows, p=origin_p)
        cents = np.exp(rng.uniform(np.log(100_00), np.log(2_000_000_00), size=rows)).astype(np.int64)
        ids = np.char.add("L", np.arange(done, done + rows).astype(str)).astype(object)
        columns = {
            "id": pa.array(ids, pa.string()),
            "hts": pa.array(rng.choice(hts_all, size=rows, p=hts_p), pa.string()),
            "form": pa.array(rng.choice(forms, size=rows, p=FORM_WEIGHTS), pa.string()),
            "mineral": pa.array(rng.choice(mineral_all, size=rows, p=mineral_p), pa.string()),
            "incorporates_critical_mineral": pa.array(rng.random(rows) < 0.9, pa.bool_()),
            "origin_country": pa.array(origins[which], pa.string()),
            # mined and processed where it originates; a producer subject to no other jurisdiction
            "mined_in": pa.array(origins[which], pa.string()),
            "processed_in": pa.array(origins[which], pa.string()),
            "producer_jurisdiction": pa.array(producers[which], pa.string()),
            "producer_otherwise_subject_to": pa.array(producers[which], pa.string()),
            "entry_date": pa.array((start_day + rng.integers(0, 365, size=rows)).astype(np.int32), pa.date32()),
            "customs_value": _cents_to_dollars(cents),
        }
        yield pa.RecordBatch.from_pydict(columns)
        done += rows


def _batches_pure_python(n: int, seed: int, batch_rows: int):
    """The same mix as `batches`, drawn with `random` (NumPy absent): other rows for the same seed."""
    hts_301, minerals = _reference()
    hts_301 = hts_301 + [h + "10" for h in hts_301 if len(h) == 10][:5] + [h.replace(".", "") for h in hts_301[:5]]
    hts_all = hts_301 + OTHER_HTS
    hts_p = [0.7 / len(hts_301)] * len(hts_301) + [0.3 / len(OTHER_HTS)] * len(OTHER_HTS)
    mineral_all = minerals + NON_CRITICAL
    mineral_p = [0.85 / len(minerals)] * len(minerals) + [0.15 / len(NON_CRITICAL)] * len(NON_CRITICAL)
    rng = random.Random(seed)
    start = dt.date(2026, 1, 1)
    low, high = 100_00, 2_000_000_00
    done = 0
    while done < n:
        rows = min(batch_rows, n - done)
        which = rng.choices(ORIGINS, weights=[w for _, _, w in ORIGINS], k=rows)
        cents = [int(low * (high / low) ** rng.random()) for _ in range(rows)]
        columns = {
            "id": pa.array([f"L{i}" for i in range(done, done + rows)], pa.string()),
            "hts": pa.array(rng.choices(hts_all, weights=hts_p, k=rows), pa.string()),
            "form": pa.array(rng.choices(FORMS, weights=FORM_WEIGHTS, k=rows), pa.string()),
            "mineral": pa.array(rng.choices(mineral_all, weights=mineral_p, k=rows), pa.string()),
            "incorporates_critical_mineral": pa.array([rng.random() < 0.9 for _ in range(rows)], pa.bool_()),
            "origin_country": pa.array([origin for origin, _, _ in which], pa.string()),
            "mined_in": pa.array([origin for origin, _, _ in which], pa.string()),
            "processed_in": pa.array([origin for origin, _, _ in which], pa.string()),
            "producer_jurisdiction": pa.array([producer for _, producer, _ in which], pa.string()),
            "producer_otherwise_subject_to": pa.array([producer for _, producer, _ in which], pa.string()),
            "entry_date": pa.array([start + dt.timedelta(days=rng.randrange(365)) for _ in range(rows)], pa.date32()),
            "customs_value": pa.array([Decimal(c).scaleb(-2) for c in cents], pa.decimal128(14, 2)),
        }
        yield pa.RecordBatch.from_pydict(columns)
        done += rows


def _cents_to_dollars(cents) -> pa.Array:
    """int64 cents -> decimal128(14, 2) dollars, exactly (built from the unscaled integers)."""
    # decimal128 stores the unscaled value in the low 64 bits (little endian) and the sign in the high ones
    low = cents.astype("<i8").view("<u8")
    high = np.where(cents < 0, np.uint64(2 ** 64 - 1), np.uint64(0))
    data = np.empty(len(cents) * 2, dtype="<u8")
    data[0::2], data[1::2] = low, high
    return pa.Array.from_buffers(pa.decimal128(14, 2), len(cents), [None, pa.py_buffer(data.tobytes())])


def write_csv(n: int, path: str, seed: int = 7) -> None:
    import pyarrow.csv as pcsv

    with pcsv.CSVWriter(path, _schema()) as writer:
        for batch in batches(n, seed):
            writer.write_batch(batch)


def _schema() -> pa.Schema:
    return next(batches(1)).schema


def write_parquet(n: int, path: str, seed: int = 7, row_group: int = 1 << 17) -> None:
    writer = None
    try:
        for batch in batches(n, seed):
            if writer is None:
                writer = pq.ParquetWriter(path, batch.schema)
            table = pa.Table.from_batches([batch])
            for offset in range(0, table.num_rows, row_group):
                writer.write_table(table.slice(offset, row_group))
    finally:
        if writer is not None:
            writer.close()


def write_globals(path: str) -> None:
    """The example's shared facts (countries and enactment date), as of 2026-12-31."""
    with open(EXAMPLE, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    globals_ = {"as_of": AS_OF, "enactment_date": data.get("enactment_date"), "countries": data["countries"]}
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(globals_, handle, sort_keys=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("output")
    parser.add_argument("--globals", default=None)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if np is None:
        print("numpy is not installed (pip install -e \".[bench]\"): drawing the lines in pure Python, "
              "slower and with other rows than NumPy draws for the same seed", file=sys.stderr)
    (write_csv if args.output.endswith(".csv") else write_parquet)(args.n, args.output, args.seed)
    if args.globals:
        write_globals(args.globals)


if __name__ == "__main__":
    main()
