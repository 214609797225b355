"""The chat model: any OpenAI-compatible ``/v1/chat/completions``, through the official SDK.

The SDK retries 408/409/429/5xx itself (``JOBRAKER_CHAT_MAX_RETRIES``, honouring
``retry-after``); what still fails afterwards becomes ``ModelUnavailable`` with a reason
that names no personal data. Answers are streamed: text deltas are yielded as they
arrive, tool-call argument fragments are joined, and the last piece is the whole reply.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import openai

from jobraker.config import Settings
from jobraker.domain.conversation import ToolCall
from jobraker.tls import tls_context

# What an operator must set for the assistant to answer (the 503 problem names them).
CONFIGURE_HINT = (
    "The chat assistant has no model configured. Set OPENAI_API_KEY (for api.openai.com) and/or "
    "OPENAI_BASE_URL (any OpenAI-compatible server, e.g. http://127.0.0.1:11434/v1), and optionally "
    "JOBRAKER_CHAT_MODEL (default gpt-4o-mini)."
)


class NotConfigured(Exception):
    """No chat model is configured."""


class ModelUnavailable(Exception):
    """The model failed after the SDK's retries."""

    def __init__(self, reason: str, detail: str, status: int | None = None) -> None:
        super().__init__(detail)
        self.reason = reason  # short, stable, recorded in the TurnFailed event
        self.detail = detail  # for the candidate
        self.status = status


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass
class Reply:
    """One completed model response."""

    content: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    finish_reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0


def is_configured(settings: Settings) -> bool:
    """A key or a server address; empty values count as unset (docker-compose passes ``""``)."""
    return settings.chat_configured


def _key(settings: Settings) -> str:
    return settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""


class ChatModel:
    def __init__(self, settings: Settings) -> None:
        if not is_configured(settings):
            raise NotConfigured(CONFIGURE_HINT)
        # A self-hosted server may need no key, but the SDK insists on one.
        key = _key(settings) or "not-needed"
        self.model = settings.chat_model
        self._client = openai.OpenAI(
            api_key=key, base_url=settings.openai_base_url or None,
            max_retries=settings.chat_max_retries, timeout=settings.chat_timeout_seconds,
            http_client=openai.DefaultHttpxClient(verify=tls_context()),  # made per answer: no new CA read
        )

    def close(self) -> None:
        self._client.close()

    def complete(self, messages: list[dict[str, Any]]) -> str:
        """One whole answer without tools (e.g. a cover letter); failures as in ``stream``."""
        with _as_model_unavailable():
            response = self._client.chat.completions.create(model=self.model, messages=messages)  # type: ignore[arg-type]
        return (response.choices[0].message.content or "") if response.choices else ""

    def stream(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]], tool_choice: str = "auto") -> Iterator[TextDelta | Reply]:
        """Text deltas as they arrive, then the whole ``Reply`` (usage included)."""
        with _as_model_unavailable():
            chunks = self._client.chat.completions.create(
                model=self.model, messages=messages, tools=tools, tool_choice=tool_choice,  # type: ignore[arg-type]
                stream=True, stream_options={"include_usage": True},
            )
            yield from _assemble(chunks)


def _assemble(chunks: Any) -> Iterator[TextDelta | Reply]:
    reply = Reply()
    text: list[str] = []
    calls: dict[int, dict[str, Any]] = {}  # tool calls by index, their argument fragments joined
    for chunk in chunks:
        if chunk.usage is not None:
            reply.prompt_tokens = chunk.usage.prompt_tokens or 0
            reply.completion_tokens = chunk.usage.completion_tokens or 0
        for choice in chunk.choices:
            delta = choice.delta
            if delta is not None and delta.content:
                text.append(delta.content)
                yield TextDelta(delta.content)
            for part in (delta.tool_calls or []) if delta is not None else []:
                call = calls.setdefault(part.index, {"id": "", "name": "", "arguments": []})
                call["id"] = part.id or call["id"]
                if part.function is not None:
                    call["name"] = part.function.name or call["name"]
                    call["arguments"].append(part.function.arguments or "")
            if choice.finish_reason:
                reply.finish_reason = choice.finish_reason
    reply.content = "".join(text)
    reply.tool_calls = [
        ToolCall(id=c["id"] or f"call_{i}", name=c["name"], arguments="".join(c["arguments"]))
        for i, c in sorted(calls.items())
    ]
    yield reply


@contextmanager
def _as_model_unavailable() -> Iterator[None]:
    """The SDK's errors as what the assistant and the letter writer tell the candidate."""
    try:
        yield
    except openai.RateLimitError as exc:
        raise ModelUnavailable("rate_limited", "The model is rate limited; try again in a minute.", exc.status_code) from exc
    except openai.APIStatusError as exc:
        raise ModelUnavailable(f"model_error_{exc.status_code}", f"The model answered with an error ({exc.status_code}).", exc.status_code) from exc
    except openai.APITimeoutError as exc:
        raise ModelUnavailable("timeout", "The model did not answer in time.") from exc
    except openai.APIConnectionError as exc:
        raise ModelUnavailable("unreachable", "The model could not be reached.") from exc
    except openai.OpenAIError as exc:  # e.g. a stream cut short
        raise ModelUnavailable("model_error", "The model's answer could not be read.") from exc
