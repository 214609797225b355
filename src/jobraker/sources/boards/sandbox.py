"""The boards' sandbox: what `jobraker up` fetches for the boards it follows by itself
(tokens starting ``sandbox-``), answered in each API's own wire format — Greenhouse's
escaped HTML, Lever's bare array and millisecond dates, Ashby's unlisted postings and pay
tiers — so the real client and ingestion run unchanged, with no network. Every company is
labelled "[sandbox]". One job, Northwind's robotics engineer, is on two boards (Greenhouse
and Ashby), as real companies often post one job in two places."""

from __future__ import annotations

import html
from typing import Any

import httpx

# (source, token, company name) of the boards `jobraker up` follows.
BOARDS = [
    ("greenhouse", "sandbox-northwind", "Northwind Robotics [sandbox]"),
    ("lever", "sandbox-contoso", "Contoso Foods [sandbox]"),
    ("ashby", "sandbox-fabrikam", "Fabrikam Health [sandbox]"),
    ("ashby", "sandbox-northwind", "Northwind Robotics [sandbox]"),
]

ROBOTICS = ("Robotics Software Engineer", "Cambridge, England, United Kingdom",
            "Write the motion-planning and perception software of our warehouse robots in C++ and Python (ROS 2). "
            "You will own features from simulation to the fleet.")

_GREENHOUSE = {
    "sandbox-northwind": [
        (4001, *ROBOTICS),
        (4002, "Embedded Firmware Engineer", "Cambridge, England, United Kingdom",
         "Firmware in C for motor controllers and safety systems; RTOS, CAN bus, hardware bring-up."),
        (4003, "Site Reliability Engineer (Remote)", "Remote - UK",
         "Kubernetes, Prometheus and on-call for the fleet's cloud services. Fully remote within the UK."),
        (4004, "Technical Recruiter", "London, England, United Kingdom",
         "Hire engineers across robotics and software; partner with hiring managers."),
    ],
}
_LEVER = {
    "sandbox-contoso": [
        ("7c1e2b4a-0001-4b1a-9c2e-5a1d3f000001", "Food Scientist", "Leeds", "gb", "Full-time", "on-site",
         "Develop new recipes and run sensory panels in our Leeds kitchen.", (32000, 40000, "GBP")),
        ("7c1e2b4a-0002-4b1a-9c2e-5a1d3f000002", "Data Analyst", "Manchester", "gb", "Full-time", "hybrid",
         "SQL, Python and dashboards for supply chain and sales; two days a week in the office.", None),
        ("7c1e2b4a-0003-4b1a-9c2e-5a1d3f000003", "Warehouse Shift Lead", "Leeds", "gb", "Part-time", "on-site",
         "Lead a team of pickers on evening shifts.", None),
    ],
}
_ASHBY = {
    "sandbox-fabrikam": [
        ("3f2a9b10-0001-4c55-8d1e-7b2c4d000001", "Registered Nurse - Telehealth", "Remote - United Kingdom", True,
         "United Kingdom", "FullTime", "Telephone and video triage for our virtual ward. NMC registration required.",
         (34000, 42000, "GBP"), True),
        ("3f2a9b10-0002-4c55-8d1e-7b2c4d000002", "Clinical Data Engineer", "Bristol", False, "United Kingdom",
         "FullTime", "Pipelines from clinical systems (HL7, FHIR) into our warehouse; Python and dbt.",
         (55000, 70000, "GBP"), True),
        ("3f2a9b10-0003-4c55-8d1e-7b2c4d000003", "Medical Receptionist", "Bristol", False, "United Kingdom",
         "PartTime", "Front desk of our Bristol clinic.", None, True),
        ("3f2a9b10-0004-4c55-8d1e-7b2c4d000004", "Head of Clinical Safety (confidential search)", "Bristol", False,
         "United Kingdom", "FullTime", "Not yet public.", None, False),
    ],
    "sandbox-northwind": [
        ("9d8e7f60-0001-4aa1-b2c3-d4e5f6000001", ROBOTICS[0], "Cambridge, UK", False, "United Kingdom", "FullTime",
         ROBOTICS[2], None, True),
    ],
}
_PUBLISHED = "2026-11-20T09:00:00.000+00:00"
_CREATED_MS = 1_763_629_200_000  # 2025-11-20T09:00Z, as Lever sends it


def _greenhouse(token: str) -> Any:
    return {"jobs": [{
        "id": job_id, "internal_job_id": job_id + 90000, "title": title, "updated_at": "2026-11-20T09:00:00-05:00",
        "requisition_id": None, "location": {"name": place}, "metadata": None,
        "absolute_url": f"https://job-boards.greenhouse.io/{token}/jobs/{job_id}",
        "content": html.escape(f"<p>{text}</p><p><strong>Apply</strong> with your CV.</p>"),
        "departments": [{"id": 1, "name": "Engineering", "parent_id": None, "child_ids": []}],
        "offices": [{"id": 2, "name": place.split(",")[0], "location": place, "parent_id": None, "child_ids": []}],
    } for job_id, title, place, text in _GREENHOUSE[token]], "meta": {"total": len(_GREENHOUSE[token])}}


def _lever(token: str) -> Any:
    return [{
        "id": posting_id, "text": title, "country": country, "createdAt": _CREATED_MS, "workplaceType": workplace,
        "categories": {"location": place, "commitment": commitment, "team": "Operations", "allLocations": [place]},
        "descriptionPlain": text, "description": f"<div>{html.escape(text)}</div>", "lists": [], "additional": "",
        "additionalPlain": "", "hostedUrl": f"https://jobs.lever.co/{token}/{posting_id}",
        "applyUrl": f"https://jobs.lever.co/{token}/{posting_id}/apply",
        **({"salaryRange": {"currency": pay[2], "interval": "per-year-salary", "min": pay[0], "max": pay[1]}} if pay else {}),
    } for posting_id, title, place, country, commitment, workplace, text, pay in _LEVER[token]]


def _ashby(token: str) -> Any:
    return {"apiVersion": "1", "jobs": [{
        "id": posting_id, "title": title, "location": place, "secondaryLocations": [], "department": "Clinical",
        "team": "Care", "isListed": listed, "isRemote": remote, "descriptionPlain": text,
        "descriptionHtml": f"<p>{html.escape(text)}</p>", "publishedAt": _PUBLISHED, "employmentType": employment,
        "address": {"postalAddress": {"addressLocality": place, "addressRegion": None, "addressCountry": country}},
        "jobUrl": f"https://jobs.ashbyhq.com/{token}/{posting_id}",
        "applyUrl": f"https://jobs.ashbyhq.com/{token}/{posting_id}/application",
        "compensation": {"compensationTierSummary": None, "compensationTiers": [] if not pay else [{
            "id": "tier-1", "title": "UK", "components": [{
                "id": "c-1", "summary": f"£{pay[0] // 1000}K – £{pay[1] // 1000}K", "compensationType": "Salary",
                "interval": "1 YEAR", "currencyCode": pay[2], "minValue": pay[0], "maxValue": pay[1]}]}]},
    } for posting_id, title, place, remote, country, employment, text, pay, listed in _ASHBY[token]]}


_RENDERERS = {"greenhouse": (_GREENHOUSE, _greenhouse), "lever": (_LEVER, _lever), "ashby": (_ASHBY, _ashby)}
_ROUTES = {  # host, path before the token, path after it
    "greenhouse": ("boards-api.greenhouse.io", "/v1/boards/", "/jobs"),
    "lever": ("api.lever.co", "/v0/postings/", ""),
    "ashby": ("api.ashbyhq.com", "/posting-api/job-board/", ""),
}


def render(source: str, token: str) -> Any:
    """A sandbox board's answer, as the API sends it (JSON-ready)."""
    boards, renderer = _RENDERERS[source]
    return renderer(token) if token in boards else None


def _handle(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    for source, (host, prefix, suffix) in _ROUTES.items():
        if request.url.host == host and path.startswith(prefix) and path.endswith(suffix):
            body = render(source, path[len(prefix): len(path) - len(suffix)])
            if body is not None:
                return httpx.Response(200, json=body)
            return httpx.Response(404, json={"ok": False, "error": "Document not found"})
    return httpx.Response(404, text="not found")


def sandbox_transport() -> httpx.MockTransport:
    return httpx.MockTransport(_handle)
