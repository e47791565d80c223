"""How the SDK reaches Python modules: pip into a venv offline, and a node run from an install
prefix that hands its spawned modules the SDK installed beside it (share/plexus/python)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from node import BIN, REPO, PlexusNode, module_block, read_records, wait_for

BUILD = Path(os.environ.get("PLEXUS_BUILD_DIR", BIN.parent))


def test_pip_install_into_a_venv_offline(tmp_path):
    venv = tmp_path / "v"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [str(venv / "bin/pip"), "install", "--no-build-isolation", "--no-index", "--no-cache-dir",
         str(REPO / "module-sdk/python")], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    probe = ("import plexus, plexus.control, plexus.v1.wire_pb2 as w; "
             "print(plexus.__file__, plexus.EventType.NEW_BLOCK.name, w.Envelope.DESCRIPTOR.name, "
             "plexus.control.ControlClient('/nowhere').socket_path)")
    out = subprocess.run([str(venv / "bin/python"), "-c", probe], env=env, cwd=tmp_path,
                         capture_output=True, text=True, check=True).stdout
    assert str(venv) in out and "NEW_BLOCK Envelope /nowhere/control.sock" in out


def test_a_node_run_from_an_install_prefix_gives_its_modules_the_sdk(tmp_path):
    """The SDK's install rule (module-sdk/python's cmake_install.cmake) into a prefix, with
    plexus-node and plexusctl in its bin/: a spawned Python module imports plexus from
    share/plexus/python without any PYTHONPATH."""
    script = BUILD / "module-sdk/python/cmake_install.cmake"
    if not script.exists():
        pytest.fail(f"{script} missing: configure with PLEXUS_PYTHON=ON")
    prefix = tmp_path / "prefix"
    subprocess.run(["cmake", f"-DCMAKE_INSTALL_PREFIX={prefix}", "-P", str(script)], check=True,
                   capture_output=True)
    assert (prefix / "share/plexus/python/plexus/v1/wire_pb2.py").is_file()
    (prefix / "bin").mkdir()
    for tool in ("plexus-node", "plexusctl"):
        shutil.copy2(BIN / tool, prefix / "bin" / tool)
    out = tmp_path / "rec.jsonl"
    node = PlexusNode(tmp_path, module_block("rec", out, {"subscribe": "NEW_BLOCK"}),
                      bin_dir=prefix / "bin")
    try:
        node.start()
        wait_for(lambda: node.state("rec") == "MODULE_STATE_READY", what="rec ready")
        node.ctl("publish", "NewBlock", "--payload", '{"hash":"01","height":2}')
        wait_for(lambda: [r for r in read_records(out) if r.get("type") == "NEW_BLOCK"],
                 what="a block")
        assert node.stop() == 0
    finally:
        node.close()
