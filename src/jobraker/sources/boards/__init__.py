"""Employers' own job boards as sources, beside Adzuna: Greenhouse, Lever and Ashby publish
every open posting of a company as JSON, with no key. Each module here holds one API's wire
format (pydantic models of what really arrives, quirks included) and turns a posting into the
fields of a ``Job.post`` command; ``client.py`` fetches a board, ``ingest.py`` posts what
changed and expires what is gone, ``sandbox.py`` answers all three formats under `jobraker up`."""
