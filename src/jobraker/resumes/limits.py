"""How much a resume may cost to read. Imported by the parsing child before any parser, so it
imports nothing itself. Sized so that a real resume passes with room to spare and a hostile
one is refused well inside a request: the child gets ``CPU_SECONDS`` of CPU and
``MEMORY_BYTES`` of address space; the parent kills it after ``WALL_SECONDS``."""

MAX_RESUME_BYTES = 5 * 1024 * 1024  # the upload itself
MAX_TEXT_CHARS = 200_000  # what is kept of the extracted text

# The parsing child (see sandbox.py and sandbox_child.py).
CPU_SECONDS = 3  # soft limit: SIGXCPU, reported as "took too long"; the hard limit is one more second
WALL_SECONDS = 5.0  # the parent kills the child after this, whatever it is doing (slack for a loaded machine)
MEMORY_BYTES = 192 * 1024 * 1024  # address space; the interpreter and both parsers need about 55 MB
PARALLEL_CHILDREN = 4  # per server process: 16 request threads cannot hold 16 × MEMORY_BYTES
WAIT_FOR_A_SLOT_SECONDS = 2.0  # then the upload answers 503 (try again)
OUTPUT_BYTES = 4 * 1024 * 1024  # the child's answer (JSON holding at most MAX_TEXT_CHARS characters)

# DOCX is a zip: every member is checked before python-docx opens it.
MAX_MEMBERS = 500
MAX_MEMBER_BYTES = 10 * 1024 * 1024  # one member unpacked (an embedded image, say)
MAX_XML_MEMBER_BYTES = 4 * 1024 * 1024  # one XML part unpacked (a long resume's document.xml is ~200 KB)
MAX_UNPACKED_BYTES = 25 * 1024 * 1024  # all members unpacked together
MAX_RATIO = 100  # unpacked / packed, for members above RATIO_FLOOR_BYTES (real XML packs ~10:1)
RATIO_FLOOR_BYTES = 256 * 1024

# PDF.
MAX_PDF_PAGES = 10  # pages read; a resume has one to three
MAX_PDF_STREAM_BYTES = 4 * 1024 * 1024  # one stream decoded (pypdf's own limit, lowered)
MAX_PDF_CONTENT_BYTES = 2 * 1024 * 1024  # all read pages' content streams decoded, counted per page
MAX_PDF_CONTENT_OPERATIONS = 300_000  # pypdf's parsing budget for one content stream
