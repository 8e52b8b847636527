"""`make train` retrains when any file the trained model imports changes, and NLU code never imports actions."""

from __future__ import annotations

import json
import subprocess
import sys

from support import REPO_ROOT

# Imports every module named in config.yml's pipeline, as loading the model does, and lists the
# project's files then loaded.
LIST_IMPORTS = """
import importlib, json, sys
from pathlib import Path
import yaml
root = Path.cwd().resolve()
for component in yaml.safe_load(open("config.yml"))["pipeline"]:
    if "." in component["name"]:
        importlib.import_module(component["name"].rsplit(".", 1)[0])
files = set()
for module in list(sys.modules.values()):
    path = Path(getattr(module, "__file__", None) or "/").resolve()
    if root in path.parents and ".venv" not in path.parts:
        files.add(str(path.relative_to(root)))
print(json.dumps(sorted(files)))
"""


def model_imports() -> list:
    result = subprocess.run([sys.executable, "-c", LIST_IMPORTS], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=300, env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_every_file_the_model_imports_is_an_input_of_make_train():
    inputs = subprocess.run(["make", "-s", "train-inputs"], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=60, check=True).stdout.split()
    imported = model_imports()
    assert "bot/nlu/catalogue_matcher.py" in imported  # the pipeline's own modules are listed
    assert sorted(set(imported) - set(inputs)) == []


def test_nlu_components_do_not_import_actions():
    assert [f for f in model_imports() if f.startswith("bot/actions/")] == []
