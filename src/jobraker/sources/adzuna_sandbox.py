"""The sandbox feed: what ``jobraker up`` searches when no Adzuna credentials are set.

It answers Adzuna's search route in Adzuna's wire format (quirks included) from a
small set of realistic listings, every one labelled "[sandbox]" in its company name,
so the real client and ingestion run unchanged and no one mistakes them for jobs."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import httpx

SANDBOX_BASE_URL = "https://sandbox.adzuna.invalid/v1/api"

_LISTINGS = [
    ("Senior Python Developer", "Ledgerly", "London", "Django and PostgreSQL services for a fintech; Celery, Redis, AWS.", 65000, 80000, "0", "permanent", "full_time"),
    ("Backend Engineer (Remote)", "Shipfast", "London", "Remote-first team building REST APIs in Python and Go on PostgreSQL.", 60000, 75000, 0, "permanent", "full_time"),
    ("Frontend Developer", "Pixelpush", "Manchester", "React, TypeScript and accessible design systems.", 45000, 55000, "0", "permanent", "full_time"),
    ("Data Engineer", "Streamwise", "Leeds", "Airflow, Spark and Kafka pipelines; Python required.", 55000, 70000, "1", "contract", "full_time"),
    ("Registered Nurse", "St Mary's Hospital", "Bristol", "Acute medical ward, night shifts, NMC registration.", 32000, 38000, "0", "permanent", "full_time"),
    ("DevOps Engineer", "Cloudnine", "Edinburgh", "Kubernetes, Terraform and CI/CD for Python services.", 60000, 72000, "1", None, None),
    ("Django Developer (part time)", "Tinyco", "Remote", "Maintain a Django app for a charity, 20 hours a week.", 28000, 30000, "0", "permanent", "part_time"),
    ("Machine Learning Engineer", "Inferly", "Cambridge", "Ship PyTorch models to production; Python, SQL, MLOps.", 70000, 90000, "1", "permanent", "full_time"),
]


def _job(index: int, row: tuple, now: datetime) -> dict:
    title, company, where, description, low, high, predicted, contract_type, contract_time = row
    job = {
        "__CLASS__": "Adzuna::API::Response::Job",
        "id": str(4_100_000_000 + index),
        "adref": "c2FuZGJveA==",
        "title": title.replace("Python", "<strong>Python</strong>"),
        "description": description,
        "created": (now - timedelta(hours=6 * index)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "redirect_url": f"https://sandbox.adzuna.invalid/land/ad/{4_100_000_000 + index}",
        "company": {"__CLASS__": "Adzuna::API::Response::Company", "display_name": f"{company} [sandbox]"},
        "location": {"__CLASS__": "Adzuna::API::Response::Location", "area": ["UK", where], "display_name": where},
        "salary_min": low,
        "salary_max": high,
        "salary_is_predicted": predicted,
    }
    if contract_type:
        job["contract_type"] = contract_type
    if contract_time:
        job["contract_time"] = contract_time
    return job


def _handle(request: httpx.Request) -> httpx.Response:
    match = re.fullmatch(r"/v1/api/jobs/([a-z]{2})/search/(\d+)", request.url.path)
    if not match:
        return httpx.Response(404, text="<html>Not found</html>")
    page = int(match.group(2))
    per_page = int(request.url.params.get("results_per_page", 10))
    words = [w.lower() for w in request.url.params.get("what", "").split()]
    now = datetime.now(timezone.utc)
    jobs = [_job(i, row, now) for i, row in enumerate(_LISTINGS)]
    if words:
        jobs = [j for j in jobs if any(w in json.dumps(j).lower() for w in words)]
    chunk = jobs[(page - 1) * per_page : page * per_page]
    body = {"__CLASS__": "Adzuna::API::Response::JobSearchResults", "count": len(jobs), "mean": 55000.0, "results": chunk}
    return httpx.Response(200, json=body)


def sandbox_transport() -> httpx.MockTransport:
    return httpx.MockTransport(_handle)
