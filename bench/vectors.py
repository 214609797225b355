"""Vector search and embedding throughput.

- kNN over N random unit vectors (384-d, the worst case for an approximate index):
  exact scan vs pgvector's HNSW index (m=16, ef_construction=64, ef_search=40),
  queries/s and recall@10 against the exact answer.
- The packaged local embedding model: passages one at a time vs batches of 32.
"""

from __future__ import annotations

import os
import time

import numpy as np
import psycopg

from common import Row, rate

VECTORS = int(os.environ.get("BENCH_VECTORS", 10_000))
QUERIES = 50
DIM = 384


def run(database_url: str) -> list[Row]:
    rng = np.random.default_rng(7)
    data = rng.normal(size=(VECTORS, DIM)).astype(np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    queries = data[rng.choice(VECTORS, QUERIES, replace=False)] + rng.normal(scale=0.05, size=(QUERIES, DIM)).astype(np.float32)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"CREATE TEMP TABLE bench_vectors (id int PRIMARY KEY, embedding vector({DIM}))")
        with conn.cursor().copy("COPY bench_vectors (id, embedding) FROM STDIN") as copy:
            for i, v in enumerate(data):
                copy.write_row((i, "[" + ",".join(f"{x:.6f}" for x in v) + "]"))
        started = time.perf_counter()
        conn.execute("CREATE INDEX ON bench_vectors USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)")
        build_seconds = time.perf_counter() - started
        conn.execute("ANALYZE bench_vectors")
        exact, exact_rate = _search(conn, queries, index=False)
        approx, hnsw_rate = _search(conn, queries, index=True)
    recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx, exact)])
    rows = [Row(
        f"kNN top-10 over {VECTORS:,} vectors: recall@10 {recall:.2f}, HNSW built in {build_seconds:.1f} s",
        "exact scan", exact_rate, "HNSW index", hnsw_rate, unit="queries/s",
    )]
    return rows + _embedding_rows()


def _search(conn: psycopg.Connection, queries: np.ndarray, index: bool) -> tuple[list[list[int]], float]:
    conn.execute(f"SET enable_indexscan = {'on' if index else 'off'}")
    conn.execute("SET hnsw.ef_search = 40")
    results: list[list[int]] = []

    def work() -> None:
        for q in queries:
            literal = "[" + ",".join(f"{x:.6f}" for x in q) + "]"
            rows = conn.execute(
                "SELECT id FROM bench_vectors ORDER BY embedding <=> %s::vector LIMIT 10", (literal,)
            ).fetchall()
            results.append([r[0] for r in rows])

    return results, rate(work, len(queries))


def _embedding_rows() -> list[Row]:
    from jobraker.embeddings.providers import LocalE5Provider

    provider = LocalE5Provider()
    texts = [f"Backend engineer number {i}: Python, Django, PostgreSQL and Redis in production." for i in range(128)]
    provider.embed_passages(texts[:4])  # load the model
    one = rate(lambda: [provider.embed_passages([t]) for t in texts], len(texts))
    batched = rate(lambda: [provider.embed_passages(texts[i : i + 32]) for i in range(0, len(texts), 32)], len(texts))
    return [Row("local embeddings (e5-small, 4-bit, CPU)", "one text per call", one, "batches of 32", batched, unit="texts/s")]
