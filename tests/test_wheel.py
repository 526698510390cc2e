"""The built wheel installs under one name and lives beside a project's own packages (#19).

A fresh virtualenv gets the wheel from pip (its dependencies come from this environment's
site-packages, added by a .pth file, so nothing is downloaded), and a project folder with
its own ``components`` package imports both and plans a spec with mlplat's components.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

PIP = (sys.executable, "-m", "pip", "-q", "--disable-pip-version-check")
USER_PACKAGE = "VALUE = 'the project\\'s own components'\n"
SCRIPT = """
import json, sys
import components.database
import mlplat.components, mlplat.policies
from mlplat.components.node_pool import NodePool
from mlplat.cli import main
assert components.database.VALUE == "the project's own components"
assert "site-packages" in mlplat.components.__file__, mlplat.components.__file__
assert "site-packages" in mlplat.policies.__file__
assert NodePool.__module__ == "mlplat.components.node_pool"
sys.exit(main(["init", "laptop"]) or main(["plan", "stacks/laptop.yaml", "--format", "json",
                                          "-o", "plan.json"]))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [*PIP, "wheel", "--no-deps", "--no-build-isolation", str(ROOT), "-w", str(out)],
        check=True,
        capture_output=True,
    )
    (found,) = out.glob("mlplat-*.whl")
    return found


def test_the_wheel_installs_nothing_outside_mlplat(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"mlplat"}
    for data in ("py.typed", "spec/platform.schema.json", "policies/PulumiPolicy.yaml"):
        assert f"mlplat/{data}" in names
    assert any(n.endswith("licenses/LICENSE") for n in names)


def test_a_project_with_its_own_components_package_uses_mlplat(wheel: Path, tmp_path: Path) -> None:
    env = tmp_path / "venv"
    venv.create(env, with_pip=False)
    python = env / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([*PIP, "--python", str(python), "install", "--no-deps", str(wheel)], check=True)
    project = tmp_path / "project"
    (project / "components").mkdir(parents=True)
    (project / "components" / "__init__.py").write_text("")
    (project / "components" / "database.py").write_text(USER_PACKAGE)
    done = subprocess.run(
        [str(python), "-c", SCRIPT], cwd=project, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert '"resources"' in (project / "plan.json").read_text()
