"""Word to PDF through LibreOffice headless, when it is installed.

LibreOffice's start-up dominates (about 1.9 s for one document, 0.34 s each in a batch), so
files are converted in batches by one `soffice` process. Each run gets its own profile
directory (`-env:UserInstallation`): a second instance sharing a profile silently does nothing.

The PDFs are PDF/A-2b, for the archive: LibreOffice's PDF export with `SelectPdfVersion` 2
embeds every font, writes the PDF/A identification (`pdfaid:part` 2, conformance B) in the XMP
metadata with an sRGB output intent, and carries the Word file's title, author and subject
(set by `services.generation.fill`). The filter options are one argument of JSON, passed as
is (no shell between us and soffice).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from services.errors import InvalidInput

INSTALL_HINT = (
    "PDF needs LibreOffice, which is not installed: on Debian or Ubuntu run 'make pdf-tools' "
    "(apt-get install libreoffice-writer-nogui fonts-crosextra-carlito fonts-liberation2 "
    "fonts-dejavu-core), "
    "elsewhere install LibreOffice so that 'soffice' is on the PATH"
)
# PDF/A-2b (LibreOffice 7.4 and later read filter options as JSON after the filter's name)
PDFA_FILTER = 'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}'
BATCH = 40
TIMEOUT_S = 300


def find_soffice() -> str | None:
    """The LibreOffice command on the PATH, if any."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_pdf(
    sources: Sequence[Path], out_dir: Path, *, batch: int = BATCH, soffice: str | None = None
) -> list[Path]:
    """Convert `.docx` files to PDF/A-2b in `out_dir` (same names, `.pdf`); the PDFs, in
    order."""
    command = soffice or find_soffice()
    if command is None:
        raise InvalidInput(INSTALL_HINT)
    stems = [s.stem for s in sources]
    if len(set(stems)) != len(stems):
        raise InvalidInput("two files to convert have the same name; their PDFs would collide")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ghtflow-soffice-") as profile:
        for start in range(0, len(sources), batch):
            chunk = sources[start : start + batch]
            _run(command, Path(profile), chunk, out_dir)
    pdfs = [out_dir / f"{stem}.pdf" for stem in stems]
    failed = [p.name for p in pdfs if not p.is_file()]
    if failed:
        raise InvalidInput(f"LibreOffice did not convert {', '.join(failed)}")
    return pdfs


def _run(command: str, profile: Path, chunk: Sequence[Path], out_dir: Path) -> None:
    args = [
        command,
        f"-env:UserInstallation={profile.resolve().as_uri()}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--convert-to",
        PDFA_FILTER,
        "--outdir",
        str(out_dir),
        *(str(p) for p in chunk),
    ]
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise InvalidInput(f"LibreOffice took more than {TIMEOUT_S} s to convert") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise InvalidInput(f"LibreOffice failed (exit {done.returncode}): {last}")
