"""Builds the labelled sample for ``duplicates_eval.py``: pairs of listings, each labelled
"same job" (1) or not (0) by how it was made, before any threshold was chosen.

From the 95 real Adzuna listings in ``bench/data/adzuna_captures`` (five countries):

- **same job (1)**: each listing as the employer's own board would show it — the full text
  where Adzuna sends a cut snippet, the board's boilerplate around it, the title written
  another way (Sr./Senior, "(m/w/d)", "- Remote"), the company with or without its legal
  suffix, the place with region and country — and, for every fourth listing, a repost on
  Adzuna with a few words edited; for every third with a multi-word company, the board naming
  the company by its first word only ("Amazon UK Services Ltd." → "Amazon"); and two real
  reposts found in the captures (read one by one);
- **not the same job (0)**: every pair of real listings of one company (other roles, or the
  same role in another town: real employers post one text per town), every pair with the
  same title at different companies, 300 random pairs, and each board version moved to
  another town (a second opening, not the same job).

Run ``python bench/duplicates_sample.py`` to rewrite ``bench/data/duplicates_pairs.json``."""

from __future__ import annotations

import json
import random
import sys
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent / "src"))

from jobraker.sources.adzuna_models import AdzunaSearchResults  # noqa: E402

CAPTURES = ROOT / "data" / "adzuna_captures"
OUT = ROOT / "data" / "duplicates_pairs.json"
BOILERPLATE = [
    "We are an equal opportunity employer and value diversity at our company.",
    "Benefits: pension, private health cover, 25 days of holiday and a learning budget.",
    "Apply with your CV; we answer every application within two weeks.",
]
SUFFIXES = [" Ltd", " Inc.", " GmbH", " Limited", ""]
TOWNS = ["Leeds", "Lyon", "Hamburg", "Pune", "Toronto", "Austin", "Milan"]
# Real pairs of one company read one by one after the first evaluation run showed them linked:
# the same title, town and text posted twice by a recruitment agency — the same job, so their
# first label ("one company, two openings") was wrong.
REAL_REPOSTS = {
    frozenset({"gb_josef5_realistic_50:5341421595", "gb_josef5_realistic_50:5340722921"}),  # Searchability
    frozenset({"gb_josef5_realistic_50:5340689902", "gb_josef5_realistic_50:5340113457"}),  # Rise Technical
}


def real_listings() -> list[dict]:
    listings = []
    for path in sorted(CAPTURES.glob("*.json")):
        country = path.name[:2]
        for job in AdzunaSearchResults.model_validate(json.loads(path.read_text())).results:
            listing = job.as_listing(country)
            listing["external_id"] = f"{path.stem}:{listing['external_id']}"
            listings.append({k: listing[k] for k in ("source", "external_id", "title", "company", "location", "description")})
    return listings


def board_version(listing: dict, rng: random.Random) -> dict:
    title = listing["title"]
    title = title.replace("Senior ", "Sr. ") if "Senior " in title else title.replace("Sr. ", "Senior ")
    title = rng.choice([title, f"{title} (m/w/d)", f"{title} - Remote", title])
    company = listing["company"].removesuffix(".").removesuffix(" Ltd").removesuffix(" Limited") + rng.choice(SUFFIXES)
    description = listing["description"].rstrip("…. ")
    extra = rng.sample(BOILERPLATE, 2)
    full = f"{extra[0]} {description}. The role also covers mentoring and code review. {extra[1]}"
    location = f"{listing['location']}, {rng.choice(['England', 'Region', 'State'])}, {rng.choice(['UK', 'Country'])}"
    return {**listing, "source": rng.choice(["greenhouse", "lever", "ashby"]), "external_id": "board:" + listing["external_id"],
            "title": title, "company": company, "location": location if listing["location"] else "", "description": full}


def repost(listing: dict, rng: random.Random) -> dict:
    words = listing["description"].split()
    for _ in range(max(1, len(words) // 25)):
        words[rng.randrange(len(words))] = rng.choice(["great", "new", "our", "exciting"])
    return {**listing, "external_id": "repost:" + listing["external_id"], "description": " ".join(words)}


def pairs() -> list[dict]:
    rng = random.Random(18)
    listings = real_listings()
    out = []

    def add(a: dict, b: dict, same: int, kind: str) -> None:
        out.append({"same_job": same, "kind": kind, "a": a, "b": b})

    for i, listing in enumerate(listings):
        board = board_version(listing, rng)
        add(listing, board, 1, "adzuna vs the employer's board")
        if i % 4 == 0:
            add(listing, repost(listing, rng), 1, "reposted with edits")
        if i % 3 == 0 and len(listing["company"].split()) > 1:
            brand = {**board, "company": listing["company"].split()[0]}  # "Amazon UK Services Ltd." → "Amazon"
            add(listing, brand, 1, "the board names the company by its brand")
        elsewhere = {**board, "external_id": "elsewhere:" + listing["external_id"],
                     "location": rng.choice([t for t in TOWNS if t not in listing["location"]])}
        add(listing, elsewhere, 0, "the same role in another town")
    for a, b in combinations(listings, 2):
        if frozenset({a["external_id"], b["external_id"]}) in REAL_REPOSTS:
            add(a, b, 1, "reposted on Adzuna (real)")
        elif a["company"] == b["company"]:
            add(a, b, 0, "one company, two openings")
        elif a["title"].lower() == b["title"].lower():
            add(a, b, 0, "one title, two companies")
    for _ in range(300):
        a, b = rng.sample(listings, 2)
        if a["company"] != b["company"]:
            add(a, b, 0, "unrelated")
    return out


if __name__ == "__main__":
    sample = pairs()
    OUT.write_text(json.dumps(sample, indent=1, ensure_ascii=False))
    print(f"{len(sample)} pairs ({sum(p['same_job'] for p in sample)} the same job) written to {OUT}")
