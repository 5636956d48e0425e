"""``dlcourse hub``: refuses clearly before it changes anything."""

import os
from pathlib import Path

import pytest

from dlcourse import hub as hub_mod
from dlcourse.cli import main as dlcourse

ROOT = Path(__file__).resolve().parents[2]


def test_a_state_folder_others_cannot_reach_is_refused(tmp_path, capsys):
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    code = dlcourse(["--course", str(ROOT), "hub", "--state", str(private / "hub"),
                     "--prepare-only"])
    err = capsys.readouterr().err
    if os.geteuid() != 0:
        assert code == 2 and "must run as root" in err
    else:
        assert code == 2 and f"{private} is private" in err
    assert list(private.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="as root the users would be created")
def test_not_root_is_refused(tmp_path):
    with pytest.raises(hub_mod.HubError, match="must run as root"):
        hub_mod.prepare(tmp_path / "hub", project=ROOT)


def test_hub_config_file_is_in_the_project():
    assert (ROOT / hub_mod.CONFIG_FILE).is_file()
