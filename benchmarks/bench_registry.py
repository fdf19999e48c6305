"""`registry_import_national_s` and `registry_compliance_national_s`: importing a national-size
GHT list (135 GHTs in 17 regions, ~4,000 rows with valid FINESS numbers, as XLSX) into a fresh
SQLite database, then the compliance report over it, each against the time to only read and
parse the same file (openpyxl + header matching) in the same run."""

from __future__ import annotations

import time
from pathlib import Path

from openpyxl import Workbook  # type: ignore[import-untyped]

from benchmarks.data import migrate, sqlite_url
from benchmarks.report import Figure
from models import Database
from services.adapters.files import FileStore
from services.adapters.national_list import COLUMNS, read_list
from services.registry.compliance import compliance_report
from services.registry.finess import check_digit
from services.registry.importing import import_dgos_list
from services.workflows import load_workflows
from services.workspace import Workspace
from settings import Settings

REGIONS = ["ARA", "BFC", "BRE", "CVL", "COR", "GE", "HDF", "IDF", "NOR", "NAQ", "OCC", "PDL",
           "PAC", "GUA", "MAR", "GUY", "OI"]  # fmt: skip
CATEGORIES = ["C.H.", "C.H.", "C.H.", "E.H.P.A.D.", "C.H.S.", "H.A.D.", "Hôpital local"]


def write_list(path: Path, ghts: int, rows: int) -> Path:
    """A list shaped like the ministry's: GHTs spread over regions, one CHU per GHT's first row
    in the first GHT of each region, valid FINESS numbers, departments 01-95."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("GHT")
    sheet.append(list(COLUMNS))
    per_ght = rows // ghts
    serial = 0
    for g in range(ghts):
        region = REGIONS[g % len(REGIONS)]
        code = f"{region}-{g // len(REGIONS) + 1:02d}"
        department = f"{(g % 95) + 1:02d}".replace("20", "21")
        for r in range(per_ght + (1 if g < rows % ghts else 0)):
            serial += 1
            body = f"{department}{serial:06d}"
            chu = r == 0 and g < len(REGIONS)
            sheet.append([
                f"Région {region}", f"GHT {code}", code, body + check_digit(body),
                "C.H.R." if chu else CATEGORIES[serial % len(CATEGORIES)],
                f"Établissement {serial}", f"Commune {serial}", f"{department}{serial % 1000:03d}",
            ])  # fmt: skip
    workbook.save(path)
    return path


def _workspace(home: Path) -> Workspace:
    settings = Settings(home=home, database_url=sqlite_url(home))
    return Workspace(
        settings=settings,
        db=Database(settings.effective_database_url),
        files=FileStore(settings.effective_files_dir, settings.max_file_bytes),
        workflows=load_workflows(),
    )


def figures(tmp: Path, ghts: int, rows: int) -> list[Figure]:
    path = write_list(tmp / "national.xlsx", ghts, rows)
    begin = time.perf_counter()
    parsed = read_list(path)
    parse_s = time.perf_counter() - begin
    assert len(parsed) == rows
    migrate(sqlite_url(tmp))
    ws = _workspace(tmp)
    try:
        begin = time.perf_counter()
        report = import_dgos_list(ws, path)
        import_s = time.perf_counter() - begin
        assert report.establishment_count == rows and report.ght_count == ghts
        begin = time.perf_counter()
        result = compliance_report(ws)
        compliance_s = time.perf_counter() - begin
        assert len(result["ghts"]) == ghts
    finally:
        ws.close()
    note = f"{ghts} GHTs, {rows} rows (XLSX), SQLite; baseline: openpyxl read + header matching"
    return [
        Figure(
            "registry_import_national_s", import_s, parse_s, "s", higher_is_better=False,
            target="ours < 5 × parse", note=note,
        ),
        Figure(
            "registry_compliance_national_s", compliance_s, parse_s, "s", higher_is_better=False,
            target="ours < parse", note=note,
        ),
    ]  # fmt: skip
