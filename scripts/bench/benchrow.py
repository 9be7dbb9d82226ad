"""One row of the benchmark table, as every group writes it to bench/out/<group>.json (docs/benchmarks.md)."""
from __future__ import annotations


def row(group, name, value, unit, ref_name, ref_value, target, met, notes, digits=3):
    """value None: not measured on this machine (the notes say why); the row then has no ratio and no verdict."""
    measured = value is not None
    return {"group": group, "name": name, "value": round(value, digits) if measured else None, "unit": unit,
            "reference_name": ref_name, "reference_value": round(ref_value, digits),
            "ratio": round(value / ref_value, 3) if measured and ref_value else None,
            "target": target, "met": met if measured else None, "notes": notes}
