"""How well Jobraker links two listings of one real job (issue 18, item 2): precision and
recall of ``domain/listing_identity.same_job`` on the labelled sample of
``bench/duplicates_sample.py``, per kind of pair, beside two baselines from the same run:
exact (company, title, town) equality and description Jaccard alone ≥ 0.5.

    python bench/duplicates_eval.py
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent / "src"))

from jobraker.domain.listing_identity import (  # noqa: E402
    SAME_JOB,
    fingerprint,
    jaccard,
    same_job,
    shingles,
    similarity,
    town_key,
)

SAMPLE = ROOT / "data" / "duplicates_pairs.json"


def fp(listing: dict):  # type: ignore[no-untyped-def]
    return fingerprint(listing["company"], listing["title"], listing["location"], listing["description"])


def exact(a: dict, b: dict) -> bool:
    return (a["company"].lower(), a["title"].lower(), town_key(a["location"])) == \
        (b["company"].lower(), b["title"].lower(), town_key(b["location"]))


def text_only(a: dict, b: dict) -> bool:
    return jaccard(shingles(a["description"]), shingles(b["description"])) >= 0.5


def jobraker(a: dict, b: dict) -> bool:
    return same_job(fp(a), fp(b))


def scores(pairs: list[dict], linked: Callable[[dict, dict], bool]) -> tuple[float, float, dict[str, str]]:
    tp = fp_ = fn = 0
    per_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for pair in pairs:
        said = linked(pair["a"], pair["b"])
        truth = bool(pair["same_job"])
        tp += said and truth
        fp_ += said and not truth
        fn += truth and not said
        per_kind[pair["kind"]][0] += said == truth
        per_kind[pair["kind"]][1] += 1
    precision = tp / (tp + fp_) if tp + fp_ else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, {k: f"{ok}/{n}" for k, (ok, n) in sorted(per_kind.items())}


def main() -> None:
    pairs = json.loads(SAMPLE.read_text())
    print(f"{len(pairs)} labelled pairs, {sum(p['same_job'] for p in pairs)} of them the same job\n")
    print("| linking | precision | recall | right per kind of pair |")
    print("| --- | --- | --- | --- |")
    for name, linked in (("exact company+title+town", exact), ("description Jaccard ≥ 0.5", text_only),
                         (f"Jobraker (similarity ≥ {SAME_JOB})", jobraker)):
        precision, recall, per_kind = scores(pairs, linked)
        kinds = "; ".join(f"{k}: {v}" for k, v in per_kind.items())
        print(f"| {name} | {precision:.3f} | {recall:.3f} | {kinds} |")
    misses = [p for p in pairs if p["same_job"] and not jobraker(p["a"], p["b"])]
    wrong = [p for p in pairs if not p["same_job"] and jobraker(p["a"], p["b"])]
    for label, rows in (("missed", misses), ("linked wrongly", wrong)):
        for p in rows[:5]:
            print(f"\n{label} ({p['kind']}, similarity {similarity(fp(p['a']), fp(p['b'])):.2f}): "
                  f"{p['a']['company']!r}/{p['a']['title']!r} vs {p['b']['company']!r}/{p['b']['title']!r}")


if __name__ == "__main__":
    main()
