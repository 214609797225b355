"""The sandbox feed: what ``jobraker up`` searches when no Adzuna credentials are set.

It answers Adzuna's search route in Adzuna's wire format (quirks included) from a
small set of realistic listings, every one labelled "[sandbox]" in its company name,
so the real client and ingestion run unchanged and no one mistakes them for jobs."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx

SANDBOX_BASE_URL = "https://sandbox.adzuna.invalid/v1/api"

# Fields, roles and places the sandbox combines into its listings (deterministically).
_ROLES = [
    ("it-jobs", "IT Jobs", [
        ("Senior Python Developer", "Django and PostgreSQL services; Celery, Redis and AWS in production.", 60000, 85000),
        ("Backend Engineer", "REST APIs in Python and Go on PostgreSQL, with thorough tests and code review.", 55000, 80000),
        ("Frontend Developer", "React, TypeScript and accessible design systems, close to product and design.", 45000, 65000),
        ("Data Engineer", "Airflow, Spark and Kafka pipelines feeding the warehouse; Python and SQL.", 55000, 75000),
        ("DevOps Engineer", "Kubernetes, Terraform and CI/CD for Python services on AWS.", 60000, 80000),
        ("Machine Learning Engineer", "Train and ship PyTorch models; feature pipelines, MLOps and monitoring.", 70000, 95000),
        ("QA Automation Engineer", "Playwright and pytest suites, CI pipelines and release quality.", 40000, 55000),
        ("Site Reliability Engineer", "On-call, observability with Prometheus and Grafana, incident reviews.", 65000, 90000),
        ("Security Engineer", "Threat modelling, cloud security reviews and incident response.", 65000, 90000),
        ("Mobile Developer", "Kotlin and Swift apps with a shared GraphQL backend.", 50000, 70000),
        ("Product Manager", "Own a B2B product area: discovery, roadmap and delivery with engineers.", 55000, 80000),
    ]),
    ("healthcare-nursing-jobs", "Healthcare & Nursing Jobs", [
        ("Registered Nurse", "Acute medical ward, day and night shifts, NMC registration required.", 30000, 40000),
        ("Healthcare Assistant", "Support patients with daily care in a community hospital.", 21000, 25000),
        ("Pharmacist", "Community pharmacy: dispensing, consultations and vaccinations.", 42000, 52000),
    ]),
    ("accounting-finance-jobs", "Accounting & Finance Jobs", [
        ("Management Accountant", "Month-end close, forecasting and board packs; CIMA or ACCA.", 45000, 58000),
        ("Financial Analyst", "Models, variance analysis and investment cases in Excel and SQL.", 40000, 55000),
    ]),
    ("teaching-jobs", "Teaching Jobs", [
        ("Secondary Maths Teacher", "Teach KS3-KS5 maths; QTS required; supportive department.", 31000, 42000),
        ("Primary Teacher", "Year 3 class teacher in a friendly two-form-entry school.", 30000, 40000),
    ]),
    ("hospitality-catering-jobs", "Hospitality & Catering Jobs", [
        ("Head Chef", "Lead a busy kitchen, design seasonal menus, manage food costs.", 38000, 46000),
        ("Restaurant Manager", "Run front of house for a 120-cover restaurant.", 32000, 38000),
    ]),
    ("sales-jobs", "Sales Jobs", [
        ("Account Executive", "Own a B2B SaaS pipeline from first call to close.", 40000, 60000),
    ]),
]
_PLACES = {
    "gb": ["London", "Manchester", "Leeds", "Bristol", "Edinburgh", "Cambridge", "Birmingham", "Glasgow", "Remote"],
    "de": ["Berlin", "Munich", "Hamburg"],
    "fr": ["Paris", "Lyon", "Toulouse"],
    "nl": ["Amsterdam", "Rotterdam", "Utrecht"],
    "us": ["New York", "Austin", "San Francisco"],
    "ca": ["Toronto", "Vancouver"],
    "au": ["Sydney", "Melbourne"],
}
_COMPANIES = ["Ledgerly", "Shipfast", "Pixelpush", "Streamwise", "Cloudnine", "Inferly", "Northwind", "Brightpath",
              "Acorn Health", "Harbour Schools", "Olive Tree Group", "Quantex"]
_CURRENCY_SCALE = {"gb": 1.0, "de": 1.15, "fr": 1.1, "nl": 1.15, "us": 1.4, "ca": 1.7, "au": 1.9}


def _listings() -> list[tuple]:
    rows = []
    n = 0
    for country, places in _PLACES.items():
        for tag, label, roles in _ROLES:
            for title, description, low, high in roles:
                for place in places:
                    n += 1
                    scale = _CURRENCY_SCALE[country]
                    company = _COMPANIES[n % len(_COMPANIES)]
                    predicted = "1" if n % 5 == 0 else ("0" if n % 2 else 0)
                    contract_type = None if n % 7 == 0 else ("contract" if n % 6 == 0 else "permanent")
                    contract_time = None if n % 7 == 0 else ("part_time" if n % 9 == 0 else "full_time")
                    rows.append((n, country, tag, label, title, company, place, description,
                                 round(low * scale), round(high * scale), predicted, contract_type, contract_time))
    return rows


_ALL = _listings()  # 500+ listings across six fields and seven countries


def _job(row: tuple, now: datetime) -> dict:
    n, country, tag, label, title, company, place, description, low, high, predicted, contract_type, contract_time = row
    job = {
        "__CLASS__": "Adzuna::API::Response::Job",
        "id": str(4_100_000_000 + n),
        "adref": "c2FuZGJveA==",
        "title": title.replace("Python", "<strong>Python</strong>"),
        "description": f"{description} Based in {place}." + (" Remote-friendly." if place == "Remote" else ""),
        "created": (now - timedelta(hours=2 * n)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "redirect_url": f"https://sandbox.adzuna.invalid/land/ad/{4_100_000_000 + n}",
        "company": {"__CLASS__": "Adzuna::API::Response::Company", "display_name": f"{company} [sandbox]"},
        "location": {"__CLASS__": "Adzuna::API::Response::Location", "area": [country.upper(), place], "display_name": place},
        "category": {"__CLASS__": "Adzuna::API::Response::Category", "tag": tag, "label": label},
        "salary_min": low,
        "salary_max": high,
        "salary_is_predicted": predicted,
    }
    if n % 11 == 0:  # as in the real feed, salaries are often missing
        del job["salary_min"], job["salary_max"]
    if contract_type:
        job["contract_type"] = contract_type
    if contract_time:
        job["contract_time"] = contract_time
    return job


def _handle(request: httpx.Request) -> httpx.Response:
    match = re.fullmatch(r"/v1/api/jobs/([a-z]{2})/search/(\d+)", request.url.path)
    if not match:
        return httpx.Response(404, text="<html>Not found</html>")
    country, page = match.group(1), int(match.group(2))
    per_page = int(request.url.params.get("results_per_page", 10))
    words = [w.lower() for w in request.url.params.get("what", "").split()]
    where = request.url.params.get("where", "").lower()
    now = datetime.now(UTC)
    jobs = [_job(row, now) for row in _ALL if row[1] == country]
    if words:
        jobs = [j for j in jobs if any(w in f"{j['title']} {j['description']}".lower() for w in words)]
    if where:
        jobs = [j for j in jobs if where in j["location"]["display_name"].lower() or j["location"]["display_name"] == "Remote"]
    chunk = jobs[(page - 1) * per_page : page * per_page]
    body = {"__CLASS__": "Adzuna::API::Response::JobSearchResults", "count": len(jobs), "mean": 55000.0, "results": chunk}
    return httpx.Response(200, json=body)


def sandbox_transport() -> httpx.MockTransport:
    return httpx.MockTransport(_handle)
