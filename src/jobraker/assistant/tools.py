"""The tools the model may call, over the signed-in candidate's own data only.

The candidate is never an argument: every tool gets it from the authenticated request
(``ToolContext``), so no model output can point a tool at someone else. Arguments are
validated by pydantic models that forbid unknown fields. No tool withdraws, submits or
changes an application; ``change_preferences`` only proposes a change, which the
candidate confirms through its own endpoint. A name outside this box is refused.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Annotated, Any
from uuid import UUID, uuid4

import structlog
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from jobraker.domain.conversation import MAX_CONTENT, ToolCall
from jobraker.domain.errors import InvalidValue
from jobraker.domain.service import Jobraker
from jobraker.domain.untrusted import fence
from jobraker.projections.models import ApplicationRecord, CandidateRecord, JobRecord, TimelineEntry

log = structlog.get_logger(__name__)

DESCRIPTION_CHARS = 500  # enough to judge a listing; less room for anything else it carries
TITLE_CHARS = 200
URL_CHARS = 1000
Name = Annotated[str, Field(min_length=1, max_length=100)]


@dataclass(frozen=True)
class ToolContext:
    jobraker: Jobraker
    candidate_id: UUID


@dataclass(frozen=True)
class ToolOutcome:
    content: str  # JSON text for the tool message
    ok: bool = True
    refused: bool = False  # the model asked for something outside the toolbox
    proposal: tuple[UUID, dict[str, Any]] | None = None


class Arguments(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SearchJobs(Arguments):
    query: str = Field(min_length=2, max_length=200, description="Words to search job titles and descriptions for")
    limit: int = Field(5, ge=1, le=10)


class TopMatches(Arguments):
    limit: int = Field(5, ge=1, le=10)


class ListApplications(Arguments):
    status: str | None = Field(None, max_length=16, description="Only applications in this status, e.g. submitted")


class ApplicationHistory(Arguments):
    application_id: UUID


class ExplainMatch(Arguments):
    job_id: UUID


class ChangePreferences(Arguments):
    keywords: list[Name] = Field(default_factory=list, max_length=50, description="Replaces the search keywords")
    avoid_keywords: list[Name] = Field(default_factory=list, max_length=50)
    excluded_companies: list[Name] = Field(default_factory=list, max_length=50)
    countries: list[Annotated[str, Field(pattern=r"^[A-Za-z]{2}$")]] = Field(default_factory=list, max_length=20)


class ToolError(Exception):
    """A tool ran but cannot give what was asked (shown to the model as an error result)."""


def _job(job: JobRecord) -> dict[str, Any]:
    """A listing as a tool result: its words (written by others) fenced as untrusted data and
    cut short; the numbers and choices Jobraker checked itself left as they are."""
    return {
        "job_id": str(job.id), "title": fence("title", job.title, TITLE_CHARS),
        "company": fence("company", job.company, TITLE_CHARS), "location": fence("location", job.location, TITLE_CHARS),
        "country": job.country, "remote": job.remote, "salary_min": job.salary_min, "salary_max": job.salary_max,
        "salary_currency": job.salary_currency, "contract_type": job.contract_type, "contract_time": job.contract_time,
        "posted_at": job.posted_at, "url": fence("url", job.url, URL_CHARS),
        "description": fence("description", job.description, DESCRIPTION_CHARS),
    }


def _provider() -> Any:
    from jobraker.embeddings.selection import get_provider

    return get_provider()


def _require_profile(context: ToolContext) -> None:
    if not CandidateRecord.objects.filter(id=context.candidate_id).exists():
        raise ToolError("the candidate's profile is not ready yet; try again in a moment")


def search_jobs(context: ToolContext, args: SearchJobs) -> dict[str, Any]:
    from jobraker.matching.job_search import search_jobs as full_text_search

    jobs = full_text_search({"q": args.query}).order_by("-rank", "-posted_at")[: args.limit]
    return {"jobs": [_job(job) for job in jobs]}


def top_matches(context: ToolContext, args: TopMatches) -> dict[str, Any]:
    from jobraker.matching.service import top_matches as best_matches

    _require_profile(context)
    matches = best_matches(context.candidate_id, _provider(), args.limit)
    return {"matches": [{"job": _job(m.job), "score": m.score, "explanation": m.explanation(matches.model)} for m in matches.results]}


def list_applications(context: ToolContext, args: ListApplications) -> dict[str, Any]:
    records = ApplicationRecord.objects.filter(candidate_id=context.candidate_id).order_by("-updated_at")
    if args.status:
        records = records.filter(status=args.status)
    page = list(records[:30])
    jobs = JobRecord.with_tracked.in_bulk([r.job_id for r in page])  # their own applications: their tracked jobs too
    return {"applications": [
        {"application_id": str(r.id), "status": r.status, "score": r.score, "updated_at": r.updated_at,
         "job_title": fence("title", getattr(jobs.get(r.job_id), "title", ""), TITLE_CHARS),
         "company": fence("company", getattr(jobs.get(r.job_id), "company", ""), TITLE_CHARS)}
        for r in page
    ]}


def application_history(context: ToolContext, args: ApplicationHistory) -> dict[str, Any]:
    if not ApplicationRecord.objects.filter(id=args.application_id, candidate_id=context.candidate_id).exists():
        raise ToolError("the candidate has no application with this id")
    entries = TimelineEntry.objects.filter(aggregate_id=args.application_id, candidate_id=context.candidate_id)[:50]
    return {"history": [{"at": e.at, "event": e.kind, "action": e.action, "status": e.status, "by": e.by} for e in entries]}


def explain_match(context: ToolContext, args: ExplainMatch) -> dict[str, Any]:
    from jobraker.matching.service import explain

    _require_profile(context)
    job = JobRecord.objects.filter(id=args.job_id).first()
    if job is None:
        raise ToolError("no job has this id")
    provider = _provider()
    match, removed_by = explain(context.candidate_id, job, provider)
    if match is None:
        return {"job": _job(job), "score": None, "note": "this job has no match data yet", "removed_by_filter": removed_by}
    return {"job": _job(job), "score": match.score, "explanation": match.explanation(provider.model), "removed_by_filter": removed_by}


def change_preferences(context: ToolContext, args: ChangePreferences) -> tuple[dict[str, Any], tuple[UUID, dict[str, Any]]]:
    """Validate the change against the candidate's current preferences and propose it; nothing changes yet."""
    given = {name: getattr(args, name) for name in sorted(args.model_fields_set)}
    if not given:
        raise ToolError("name at least one preference to change")
    current = context.jobraker.get_candidate(context.candidate_id).preferences
    try:
        proposed = replace(current, **{k: tuple(v) for k, v in given.items()})
    except InvalidValue as exc:
        raise ToolError(str(exc)) from None
    changes = {k: v for k, v in proposed.as_dict().items() if k in given}
    proposal_id = uuid4()
    return (
        {"proposal_id": str(proposal_id), "changes": changes, "status": "awaiting_confirmation",
         "note": "Nothing has changed yet. The candidate must confirm this proposal in Jobraker."},
        (proposal_id, changes),
    )


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    arguments: type[Arguments]
    run: Callable[[ToolContext, Any], Any]

    def spec(self) -> dict[str, Any]:
        return {"type": "function", "function": {
            "name": self.name, "description": self.description, "parameters": self.arguments.model_json_schema(),
        }}


TOOLS = {tool.name: tool for tool in (
    Tool("search_jobs", "Full-text search of open job listings.", SearchJobs, search_jobs),
    Tool("top_matches", "The candidate's best-matching jobs, scored 0-100 with reasons.", TopMatches, top_matches),
    Tool("list_applications", "The candidate's applications and their status.", ListApplications, list_applications),
    Tool("application_history", "The timeline of one of the candidate's applications.", ApplicationHistory, application_history),
    Tool("explain_match", "Why one job scores what it does for the candidate.", ExplainMatch, explain_match),
    Tool("change_preferences", "Propose a change to the candidate's search preferences. It takes effect only "
         "after the candidate confirms it in Jobraker.", ChangePreferences, change_preferences),
)}
TOOL_SPECS = [tool.spec() for tool in TOOLS.values()]


def run_tool(context: ToolContext, call: ToolCall) -> ToolOutcome:
    tool = TOOLS.get(call.name)
    if tool is None:
        return ToolOutcome(_json({"error": f"there is no tool {call.name!r}; the tools are: {', '.join(TOOLS)}"}),
                           ok=False, refused=True)
    try:
        args = tool.arguments.model_validate_json(call.arguments or "{}")
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors())
        return ToolOutcome(_json({"error": f"invalid arguments: {problems}"}), ok=False)
    try:
        result = tool.run(context, args)
    except ToolError as exc:
        return ToolOutcome(_json({"error": str(exc)}), ok=False)
    except Exception:
        # The model is told only that it failed; the details go to the log, not to a third party.
        log.exception("assistant_tool_failed", tool=call.name)
        return ToolOutcome(_json({"error": f"{call.name} failed; try again later"}), ok=False)
    if tool.name == "change_preferences":
        body, proposal = result
        return ToolOutcome(_json(body), proposal=proposal)
    return ToolOutcome(_json(result))


def _json(value: Any) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False)
    if len(text) > MAX_CONTENT:
        text = json.dumps({"truncated": True, "partial": text[: MAX_CONTENT // 2 - 100]}, ensure_ascii=False)
    return text
