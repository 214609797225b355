"""Static files (the admin's, Swagger UI's) served by WhiteNoise, its file table built once per process.

Without ``JOBRAKER_STATIC_ROOT`` WhiteNoise finds the files through Django's finders and reads
every one's headers when its middleware is made. A server makes its middleware once per worker,
but Django makes it again for every test client — some 2,600 files read each time, 30–50 ms.
The installed packages' files do not change while a process runs, so the table is kept.
"""

from __future__ import annotations

from typing import Any, ClassVar

from whitenoise.middleware import WhiteNoiseMiddleware


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    _found: ClassVar[dict[str, dict[str, Any]]] = {}  # static URL prefix → {url: WhiteNoise's StaticFile}

    def add_files_from_finders(self) -> None:
        found = self._found.get(self.static_prefix)
        if found is None:
            before = dict(self.files)
            super().add_files_from_finders()
            found = self._found[self.static_prefix] = {url: f for url, f in self.files.items() if before.get(url) is not f}
        self.files.update(found)
