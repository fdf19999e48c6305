"""Whether `sweep` and `generate --all` run their flow on a server is read as Prefect reads
`PREFECT_API_URL` (the environment, else the active profile of Prefect's home), without
importing Prefect."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.runtime import prefect_api_url
from settings import Settings

URL = "http://prefect.example.org:4200/api"


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    for name in ("PREFECT_API_URL", "PREFECT_HOME", "PREFECT_PROFILE", "PREFECT_PROFILES_PATH"):
        monkeypatch.delenv(name, raising=False)
    return Settings(home=tmp_path)


def _profiles(settings: Settings, text: str) -> None:
    folder = settings.home / "prefect"
    folder.mkdir()
    (folder / "profiles.toml").write_text(text, encoding="utf-8")


def test_nothing_configured_is_the_ephemeral_mode(home: Settings) -> None:
    assert prefect_api_url(home) is None


def test_the_environment_wins(home: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    _profiles(home, f'active = "srv"\n[profiles.srv]\nPREFECT_API_URL = "{URL}/other"\n')
    monkeypatch.setenv("PREFECT_API_URL", URL)
    assert prefect_api_url(home) == URL
    monkeypatch.setenv("PREFECT_API_URL", " ")  # set but empty: as unset
    assert prefect_api_url(home) == f"{URL}/other"


def test_the_active_profile_of_prefects_home(
    home: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _profiles(
        home,
        f'active = "srv"\n[profiles.ephemeral]\n[profiles.srv]\nPREFECT_API_URL = "{URL}"\n',
    )
    assert prefect_api_url(home) == URL
    monkeypatch.setenv("PREFECT_PROFILE", "ephemeral")
    assert prefect_api_url(home) is None


def test_an_unreadable_profiles_file_is_no_server(home: Settings) -> None:
    _profiles(home, "active = [unclosed\n")
    assert prefect_api_url(home) is None
