"""The `generate-documents` flow, run for real by Prefect: batches, a retried batch, the
markdown artifact listing the files."""

from __future__ import annotations

import asyncio
import io

import pytest
from docx import Document as Docx
from sqlmodel import select

from flows.runtime import run_flow
from models import Establishment
from services.errors import InvalidInput
from services.generation import fill as generation
from tests.integration.helpers import document_id

pytestmark = [pytest.mark.flow]

TOULOUSE = ["OCC-02", "OCC-03", "OCC-04", "OCC-05", "OCC-06", "OCC-07", "OCC-11", "OCC-13"]


@pytest.fixture
def flow_env(occitanie, settings, monkeypatch):
    """The flow reads its configuration from the environment, as a deployment would."""
    monkeypatch.setenv("GHTFLOW_HOME", str(settings.home))
    monkeypatch.setenv("GHTFLOW_DATABASE_URL", settings.database_url or "")
    return occitanie


def _artifact(key: str) -> str:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    async def latest() -> str:
        async with get_client() as client:
            found = await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
                sort=ArtifactSort.CREATED_DESC,  # the harness is shared: the last run is this one
                limit=1,
            )
            return str(found[0].data)

    return asyncio.run(latest())


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
def test_the_flow_fills_the_toulouse_conventions_in_batches(prefect_harness, flow_env):
    from flows.generate_documents import ARTIFACT_KEY, generate_documents

    ws = flow_env
    seen: list[tuple[int, int]] = []
    files = run_flow(
        generate_documents,
        "chu_convention",
        ghts=TOULOUSE,
        batch_size=3,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen == [(0, 8), (3, 8), (6, 8), (8, 8)]
    assert [f["ght"] for f in files] == TOULOUSE
    for f in files:
        doc = Docx(io.BytesIO(ws.files.path_of(f["sha256"]).read_bytes()))
        text = "\n".join(p.text for p in doc.paragraphs).replace("\u00a0", " ")  # typeset
        assert "n° FINESS 310781406" in text and "{{" not in text
    listing = _artifact(ARTIFACT_KEY)
    assert "8 chu_convention files filled" in listing
    assert all(f["file_name"] in listing for f in files)


def test_a_failed_batch_is_retried(prefect_harness, flow_env, monkeypatch):
    """A batch whose first attempt fails (a fault injected once: the database cannot be made
    to fail on cue) is run again and the flow completes with every file."""
    from flows.generate_documents import generate_documents

    real = generation.generate_documents
    attempts: list[list[int]] = []

    def flaky(ws, ids, **kwargs):
        attempts.append(list(ids))
        if len(attempts) == 1:
            raise ConnectionError("database went away")
        return real(ws, ids, **kwargs)

    monkeypatch.setattr(generation, "generate_documents", flaky)
    ids = [document_id(flow_env, code, "chu_convention") for code in ("OCC-02", "OCC-03")]
    files = run_flow(generate_documents, "chu_convention", ghts=["OCC-02", "OCC-03"])
    assert attempts == [ids, ids]
    assert [f["document_id"] for f in files] == ids


def test_a_refusal_is_not_retried_and_reaches_the_caller(prefect_harness, flow_env, monkeypatch):
    from flows.generate_documents import generate_documents

    real = generation.generate_documents
    attempts: list[list[int]] = []

    def counted(ws, ids, **kwargs):
        attempts.append(list(ids))
        return real(ws, ids, **kwargs)

    monkeypatch.setattr(generation, "generate_documents", counted)
    with flow_env.db.transaction() as session:
        cahors = session.exec(
            select(Establishment).where(Establishment.finess == "460991177")
        ).one()
        cahors.representative = ""
    with pytest.raises(InvalidInput, match=r"'support.representative' \(CH de Cahors"):
        run_flow(generate_documents, "chu_convention", ghts=["OCC-02"])
    assert len(attempts) == 1
