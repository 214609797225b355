"""A loopback server speaking OpenAI's embeddings wire format (including base64 encoding,
usage, and 429 errors with retry-after), so the real SDK is exercised over a real socket."""

from __future__ import annotations

import base64
import hashlib
import json
import struct

from .loopback import LoopbackServer, QuietHandler


class FakeOpenAI(LoopbackServer):
    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.requests: list[dict] = []
        super().__init__(self._handler())

    @property
    def base_url(self) -> str:
        return self.origin + "/v1"

    @staticmethod
    def vector(text: str, dimensions: int) -> list[float]:
        digest = hashlib.sha256(text.encode()).digest() * (dimensions // 32 + 1)
        raw = [b / 255 - 0.5 for b in digest[:dimensions]]
        norm = sum(v * v for v in raw) ** 0.5
        return [v / norm for v in raw]

    def _handler(self) -> type[QuietHandler]:
        fake = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
                if self.path != "/v1/embeddings":
                    return self._send(404, {"error": {"message": "not found", "type": "invalid_request_error", "param": None, "code": None}})
                if fake.fail_first > 0:
                    fake.fail_first -= 1
                    return self._send(
                        429,
                        {"error": {"message": "Rate limit reached", "type": "requests", "param": None, "code": "rate_limit_exceeded"}},
                        {"retry-after-ms": "10", "x-ratelimit-remaining-requests": "0"},
                    )
                inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
                dims = body.get("dimensions", 1536)
                data = []
                for index, text in enumerate(inputs):
                    vector = fake.vector(text, dims)
                    if body.get("encoding_format") == "base64":
                        vector = base64.b64encode(struct.pack(f"<{dims}f", *vector)).decode()
                    data.append({"object": "embedding", "index": index, "embedding": vector})
                tokens = sum(len(t.split()) for t in inputs)
                self._send(200, {"object": "list", "data": data, "model": body["model"],
                                 "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})

        return Handler
