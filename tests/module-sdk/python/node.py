"""PlexusNode: a real plexus-node for the Python SDK's tests, with a configuration naming Python
modules, its own runtime and journal directories, and plexusctl to ask it things (as
tests/support/test_node.cpp does for the C++ tests)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

REPO = Path(__file__).resolve().parents[3]
BIN = Path(os.environ.get("PLEXUS_BIN_DIR", REPO / "build" / "bin"))
RECORDER = Path(__file__).resolve().parent / "modules" / "recorder.py"
REPLAYER = Path(__file__).resolve().parent / "modules" / "replayer.py"


def wait_for(condition: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    """Polls `condition` until it is truthy (returned) or `timeout` seconds pass (AssertionError)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)  # polling interval, not synchronisation


def module_block(name: str, out: Path, settings: Dict[str, str], extra: str = "",
                 script: Path = RECORDER, args: Sequence[str] = ()) -> str:
    """A `module { }` running `script` (tests/module-sdk/python/modules/recorder.py) with this
    interpreter, then `args`."""
    lines = [f'module {{\n  name: "{name}"\n  exec: "{sys.executable}"\n  args: "{script}"\n']
    lines += [f'  args: "{arg}"\n' for arg in args]
    for key, value in {"out": str(out), **settings}.items():
        lines.append(f'  settings {{ key: "{key}" value: "{value}" }}\n')
    return "".join(lines) + extra + "}\n"


def read_records(path: Path) -> List[Dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


class PlexusNode:
    def __init__(self, workdir: Path, modules: str, timings: str = "",
                 bin_dir: Path = BIN, journal: str = "") -> None:
        """`journal`: lines of the `journal { }` block after its path (e.g. "queue: 16")."""
        self.workdir = workdir
        self.bin_dir = bin_dir
        # Socket paths must stay short (sun_path): a directory of its own under /tmp.
        self.runtime_dir = Path(tempfile.mkdtemp(prefix="pxpy"))
        self.config = workdir / "node.cfg"
        self.log_path = workdir / "node.log"
        self.config.write_text(
            "timings {\n  heartbeat_interval_ms: 200\n  stats_log_interval_ms: 60000\n"
            f"{timings}}}\njournal {{\n  path: \"{workdir / 'journal'}\"\n{journal}}}\n{modules}"
        )
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> None:
        env = dict(os.environ)
        # The node itself must point its modules at the SDK beside it; PLEXUS_TEST_PYTHONPATH
        # only serves runs against a node that has none beside it.
        env.pop("PYTHONPATH", None)
        if os.environ.get("PLEXUS_TEST_PYTHONPATH"):
            env["PYTHONPATH"] = os.environ["PLEXUS_TEST_PYTHONPATH"]
        log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [str(self.bin_dir / "plexus-node"), "--config", str(self.config),
             "--runtime-dir", str(self.runtime_dir)],
            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        wait_for(lambda: self.process.poll() is not None or self.ctl("status", check=False).returncode == 0,
                 what="plexus-node to answer")
        assert self.process.poll() is None, f"plexus-node exited; log:\n{self.log()}"

    def ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [str(self.bin_dir / "plexusctl"), "--runtime-dir", str(self.runtime_dir), *args],
            capture_output=True, text=True, timeout=60)
        if check and result.returncode != 0:
            raise AssertionError(f"plexusctl {' '.join(args)}: {result.returncode}\n"
                                 f"{result.stdout}{result.stderr}\nnode log:\n{self.log()}")
        return result

    def ctl_json(self, *args: str) -> Any:
        return json.loads(self.ctl("--json", *args).stdout)

    def module(self, name: str) -> Dict[str, Any]:
        listing = self.ctl_json("modules")
        rows = listing.get("modules", listing) if isinstance(listing, dict) else listing
        for row in rows:
            if row.get("module_id") == name:
                return row
        raise AssertionError(f"no module {name} in {listing}")

    def state(self, name: str) -> str:
        row = self.module(name)
        return str(row.get("state", ""))

    def stats(self, name: str) -> Dict[str, Any]:
        """The module's DeliveryStats as plexusctl prints them (64-bit counters as strings)."""
        rows = self.ctl_json("stats", name).get("modules", [])
        assert len(rows) == 1 and rows[0]["module_id"] == name, rows
        return rows[0]

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM (a graceful shutdown); the node's exit status."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        shutil.rmtree(self.runtime_dir, ignore_errors=True)
