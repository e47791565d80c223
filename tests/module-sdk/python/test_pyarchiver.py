"""The shipped Python module plexus-pyarchiver (modules/pyarchiver) under the real plexus-node,
spawned as `exec: "plexus-pyarchiver"` (resolved beside the node): events archived as JSON lines,
rotation by size, bad settings and unwritable paths refused at start, write errors reported and
counted, and a node run from an install prefix."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

from node import BIN, PlexusNode, wait_for

SOURCE = Path(__file__).resolve().parents[3] / "modules/pyarchiver/pyarchiver.py"
BUILD = BIN.parent


def archiver_block(name: str, settings: Dict[str, str], extra: str = "",
                   exec_line: str = 'exec: "plexus-pyarchiver"') -> str:
    lines = [f'module {{\n  name: "{name}"\n  {exec_line}\n']
    lines += [f'  settings {{ key: "{k}" value: "{v}" }}\n' for k, v in settings.items()]
    return "".join(lines) + extra + "}\n"


def lines_of(path: Path) -> List[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def publish_blocks(node: PlexusNode, count: int, first: int = 1) -> None:
    for height in range(first, first + count):
        node.ctl("publish", "NewBlock", "--payload", f'{{"hash":"{height:04x}","height":{height}}}')


def archive_files(path: Path) -> List[Path]:
    """The archive's files, oldest first: path.N ... path.1, path."""
    rotated = sorted(path.parent.glob(path.name + ".[0-9]*"), key=lambda p: int(p.suffix[1:]))
    return list(reversed(rotated)) + ([path] if path.exists() else [])


def test_events_are_archived_as_json_lines(start_node, tmp_path):
    path = tmp_path / "a.jsonl"
    node = start_node(archiver_block("arch", {"types": "NewBlock, chain_reorg", "path": str(path)},
                                     "  policy: DELIVERY_POLICY_BLOCK\n"))
    wait_for(lambda: node.state("arch") == "MODULE_STATE_READY", what="arch ready")
    publish_blocks(node, 2)
    node.ctl("publish", "NewTransaction", "--payload", '{"txid":"t1","fee":5}')  # not archived
    node.ctl("publish", "ChainReorg", "--payload",
             '{"old_tip":"aa","new_tip":"bb","fork_height":7}')
    wait_for(lambda: len(lines_of(path)) == 3, what="3 archived lines")
    blocks, reorg = lines_of(path)[:2], lines_of(path)[2]
    assert [b["type"] for b in blocks] == ["NewBlock", "NewBlock"] and reorg["type"] == "ChainReorg"
    # seq counts per lane: ChainReorg has critical priority, a lane of its own.
    assert [(r["lane"], r["seq"]) for r in lines_of(path)] == [("EVENT", 1), ("EVENT", 2),
                                                                ("CRITICAL", 1)]
    for record in lines_of(path):
        assert record["dropped_before"] == 0 and record["lifecycle"] is False
        assert record["flags"] == 0 and record["offset"] > 0  # the test node journals every type
        assert record["event"]["source"] == "operator"
    # The event in protobuf JSON with proto field names, as plexus-logger and plexusctl tail print.
    assert blocks[1]["event"]["type"] == "EVENT_TYPE_NEW_BLOCK"
    assert blocks[1]["event"]["new_block"] == {"hash": "0002", "height": "2"}
    assert reorg["event"]["chain_reorg"] == {"old_tip": "aa", "new_tip": "bb", "fork_height": "7"}
    assert blocks[0]["offset"] < blocks[1]["offset"] < reorg["offset"]
    assert node.stop() == 0
    assert "plexus-pyarchiver: 3 event(s) archived to" in node.log()
    assert "0 not archived (0 write error(s))" in node.log()


@pytest.mark.parametrize("keep", [50, 2])
def test_rotation_at_max_bytes_keeps_keep_files_and_loses_no_line(start_node, tmp_path, keep):
    path = tmp_path / "archive.jsonl"
    node = start_node(archiver_block(
        "arch", {"types": "NewBlock", "path": str(path), "max_bytes": "1500", "keep": str(keep)},
        "  policy: DELIVERY_POLICY_BLOCK\n  channel_capacity: 8\n"))
    wait_for(lambda: node.state("arch") == "MODULE_STATE_READY", what="arch ready")
    node.ctl("publish", "NewBlock", "--payload", '{"hash":"00ab","height":5}', "--count", "60")
    wait_for(lambda: int(node.stats("arch").get("acked", 0)) == 60, what="60 events acked")
    files = archive_files(path)
    for f in files:
        assert 0 < f.stat().st_size <= 1500, f
    seqs = [r["seq"] for f in files for r in lines_of(f)]
    if keep == 50:  # room for all: every event once, in order, across the rotations
        assert len(files) > 5
        assert seqs == list(range(1, 61))
    else:  # the current file and `keep` rotated ones; the oldest were removed
        assert [f.name for f in files] == ["archive.jsonl.2", "archive.jsonl.1", "archive.jsonl"]
        assert seqs == list(range(61 - len(seqs), 61))
    assert int(node.stats("arch").get("lost", 0)) == 0


BAD_SETTINGS = {
    "types": ("NoSuchType", "setting types: unknown event type 'NoSuchType'"),
    "max_bytes": ("12k", "setting max_bytes: '12k' is not an integer"),
    "keep": ("-1", "setting keep: -1 is out of range [0, 1000]"),
    "flush": ("sometimes", "setting flush: 'sometimes' is not one of write, fsync"),
    "on_write_error": ("panic", "setting on_write_error: 'panic' is not one of continue, exit"),
    "colour": ("blue", "unknown setting 'colour'"),
}


def test_a_bad_setting_or_an_unwritable_path_fails_the_start(start_node, tmp_path):
    (tmp_path / "plain-file").write_text("not a directory\n")
    never = "  restart: RESTART_POLICY_NEVER\n"
    modules = ""
    expected = {}
    for index, (key, (value, message)) in enumerate(BAD_SETTINGS.items()):
        name = f"bad{index}"
        settings = {"path": str(tmp_path / f"{name}.jsonl"), key: value}
        modules += archiver_block(name, settings, never)
        expected[name] = message
    modules += archiver_block("unwritable", {"path": str(tmp_path / "plain-file/a.jsonl")}, never)
    expected["unwritable"] = f"setting path: {tmp_path / 'plain-file'} is not a directory"
    modules += archiver_block("dir", {"path": str(tmp_path)}, never)
    expected["dir"] = f"setting path: {tmp_path} is not a regular file"
    modules += archiver_block("nodir", {"path": str(tmp_path / "plain-file/sub/a.jsonl")}, never)
    expected["nodir"] = \
        f"setting path: cannot create {tmp_path / 'plain-file/sub'}: Not a directory"
    modules += archiver_block("first", {"path": str(tmp_path / "shared.jsonl")})
    node = start_node(modules)
    wait_for(lambda: node.state("first") == "MODULE_STATE_READY", what="first ready")
    # A second archiver on the same file would rotate the first one's file away.
    node.ctl("load", "second", "--exec", "plexus-pyarchiver", "--restart", "never",
             "--setting", f"path={tmp_path / 'shared.jsonl'}", check=False)
    expected["second"] = f"setting path: {tmp_path / 'shared.jsonl'} is in use by another archiver"
    for name, message in expected.items():
        wait_for(lambda: node.state(name) == "MODULE_STATE_CRASHED", what=f"{name} crashed")
        assert node.module(name)["last_exit"] == "exit 2", node.module(name)
        assert f"[module.{name}] stderr: plexus-pyarchiver: {message}" in node.log(), name
    assert node.state("first") == "MODULE_STATE_READY"


def limited_block(name: str, path: Path, settings: Dict[str, str], extra: str = "") -> str:
    """pyarchiver under a file-size limit of 2 KiB (ulimit -f, 512-byte blocks): writes past it
    fail with EFBIG, "File too large", as on a full disk."""
    exec_line = (f'exec: "/bin/sh"\n  args: "-c"\n'
                 f'  args: "ulimit -f 4; exec {BIN / "plexus-pyarchiver"}"')
    return archiver_block(name, {"types": "NewBlock", "path": str(path), **settings},
                          "  policy: DELIVERY_POLICY_BLOCK\n" + extra, exec_line)


def test_write_errors_are_reported_counted_and_the_module_carries_on(start_node, tmp_path):
    path = tmp_path / "full.jsonl"
    node = start_node(limited_block("full", path, {}))
    wait_for(lambda: node.state("full") == "MODULE_STATE_READY", what="full ready")
    publish_blocks(node, 20)
    wait_for(lambda: int(node.stats("full").get("acked", 0)) == 20, what="20 events acked")
    archived = lines_of(path)  # every line whole: a failed write is cut back off
    assert 0 < len(archived) < 20 and path.stat().st_size <= 2048
    assert [r["seq"] for r in archived] == list(range(1, len(archived) + 1))
    first_failed = len(archived) + 1
    assert (f"plexus-pyarchiver: cannot write NewBlock seq {first_failed} to {path}: [Errno 27] "
            "File too large; 1 event(s) not archived so far (1 write error(s)); carrying on") \
        in node.log()
    assert node.state("full") == "MODULE_STATE_READY"
    assert node.stop() == 0
    lost = 20 - len(archived)
    assert (f"{len(archived)} event(s) archived to {path}, {lost} not archived "
            f"({lost} write error(s))") in node.log()


def test_on_write_error_exit_ends_the_module(start_node, tmp_path):
    path = tmp_path / "full.jsonl"
    node = start_node(limited_block("full", path, {"on_write_error": "exit"},
                                    "  restart: RESTART_POLICY_NEVER\n"))
    wait_for(lambda: node.state("full") == "MODULE_STATE_READY", what="full ready")
    node.ctl("publish", "NewBlock", "--payload", '{"hash":"01","height":1}', "--count", "20",
             check=False)  # refused once the module is leaving
    wait_for(lambda: node.state("full") == "MODULE_STATE_CRASHED", what="full crashed")
    assert node.module("full")["last_exit"] == "exit 3"
    archived = lines_of(path)
    assert f"cannot write NewBlock seq {len(archived) + 1} to {path}: [Errno 27] File too large; " \
        "exiting (on_write_error=exit)" in node.log()


def test_a_node_run_from_an_install_prefix_runs_plexus_pyarchiver(tmp_path):
    prefix = tmp_path / "prefix"
    for part in ("modules/pyarchiver", "module-sdk/python"):
        script = BUILD / part / "cmake_install.cmake"
        subprocess.run(["cmake", f"-DCMAKE_INSTALL_PREFIX={prefix}", "-P", str(script)],
                       check=True, capture_output=True)
    installed = prefix / "bin/plexus-pyarchiver"
    assert installed.is_file() and installed.stat().st_mode & 0o111
    assert installed.read_text().startswith("#!/usr/bin/python3\n")
    for tool in ("plexus-node", "plexusctl"):
        shutil.copy2(BIN / tool, prefix / "bin" / tool)
    path = tmp_path / "a.jsonl"
    node = PlexusNode(tmp_path, archiver_block("arch", {"types": "NewBlock", "path": str(path)}),
                      bin_dir=prefix / "bin")
    try:
        node.start()
        wait_for(lambda: node.state("arch") == "MODULE_STATE_READY", what="arch ready")
        assert f"starting: {installed} " in node.log()
        publish_blocks(node, 1, first=9)
        wait_for(lambda: lines_of(path), what="an archived line")
        assert lines_of(path)[0]["event"]["new_block"]["height"] == "9"
        assert node.stop() == 0
    finally:
        node.close()


def load_script():
    spec = importlib.util.spec_from_file_location("pyarchiver", SOURCE)
    module = importlib.util.module_from_spec(spec)
    sys.modules["pyarchiver"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)  # main() runs only as __main__
    return module


def test_the_default_path_follows_the_journal_s_state_directory():
    script = load_script()
    types = {"NEW_BLOCK": 1, "NEW_TRANSACTION": 2}
    parse = lambda environ: script.Settings.parse({}, "arch", environ, types)  # noqa: E731
    assert parse({"STATE_DIRECTORY": "/var/lib/plexus:/x", "XDG_STATE_HOME": "/s"}).path == \
        Path("/var/lib/plexus/arch/archive.jsonl")
    assert parse({"XDG_STATE_HOME": "/s", "HOME": "/h"}).path == \
        Path("/s/plexus/arch/archive.jsonl")
    assert parse({"HOME": "/h"}).path == Path("/h/.local/state/plexus/arch/archive.jsonl")
    defaults = parse({"HOME": "/h"})
    assert (defaults.types, defaults.max_bytes, defaults.keep) == ([1, 2], 64 << 20, 5)
    assert not defaults.fsync and not defaults.exit_on_write_error
    assert script.parse_types("EVENT_TYPE_NEW_TRANSACTION,newblock,NewBlock", types) == [2, 1]


def test_keep_0_empties_the_file_and_a_long_line_gets_a_file_of_its_own(tmp_path):
    script = load_script()
    path = tmp_path / "a.jsonl"
    archive = script.Archive(path, max_bytes=10, keep=0, fsync=True)
    archive.append(b"12345\n")
    archive.append(b"abcdefghijklmnop\n")  # longer than max_bytes: alone in the file
    assert path.read_bytes() == b"abcdefghijklmnop\n" and not list(tmp_path.glob("a.jsonl.*[0-9]"))
    archive.close()
    archive = script.Archive(path, max_bytes=10, keep=1, fsync=False)  # reopens and appends
    archive.append(b"xy\n")
    assert Path(f"{path}.1").read_bytes() == b"abcdefghijklmnop\n"
    assert path.read_bytes() == b"xy\n"
    archive.close()


def test_a_rotation_that_fails_is_a_write_error_and_is_tried_again(tmp_path):
    script = load_script()
    path = tmp_path / "a.jsonl"
    archive = script.Archive(path, max_bytes=10, keep=1, fsync=False)
    archive.append(b"first\n")
    (tmp_path / "a.jsonl.1" / "x").mkdir(parents=True)  # a.jsonl.1 cannot be replaced
    with pytest.raises(OSError):
        archive.append(b"second\n")
    assert path.read_bytes() == b"first\n"  # as before: the line is not written
    (tmp_path / "a.jsonl.1" / "x").rmdir()
    (tmp_path / "a.jsonl.1").rmdir()
    archive.append(b"third\n")
    assert (tmp_path / "a.jsonl.1").read_bytes() == b"first\n"
    assert path.read_bytes() == b"third\n"
    archive.close()


class FailingArchive:
    """Stands in for Archive: its appends fail while `failing`."""

    def __init__(self, path: Path) -> None:
        self.path, self.failing, self.lines = path, True, []

    def append(self, line: bytes) -> None:
        if self.failing:
            raise OSError(28, "No space left on device")
        self.lines.append(line)


class FakeDelivery:
    def __init__(self, seq: int) -> None:
        self.type, self.lane, self.sequence, self.dropped_before = 1, 1, seq, 0
        self.is_lifecycle, self.offset, self.flags, self.event = False, 0, 0, None


def test_write_errors_are_reported_once_then_on_recovery(tmp_path, capsys):
    script = load_script()
    archive = FailingArchive(tmp_path / "a.jsonl")
    archiver = script.Archiver(archive, lambda event: {}, lambda t: "NewBlock", lambda l: "EVENT",
                               exit_on_write_error=False)
    for seq in (1, 2, 3):
        archiver.handle(FakeDelivery(seq))
    archive.failing = False
    archiver.handle(FakeDelivery(4))
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"plexus-pyarchiver: cannot write NewBlock seq 1 to {archive.path}: [Errno 28] No space "
        "left on device; 1 event(s) not archived so far (1 write error(s)); carrying on",
        f"plexus-pyarchiver: writing to {archive.path} works again; 3 event(s) were not "
        "archived meanwhile"]
    assert (archiver.archived, archiver.not_archived, archiver.write_errors) == (1, 3, 3)
    assert json.loads(archive.lines[0])["seq"] == 4
    assert archiver.summary() == \
        f"1 event(s) archived to {archive.path}, 3 not archived (3 write error(s))"


def test_write_errors_that_go_on_are_reported_again_after_the_interval(tmp_path, capsys):
    script = load_script()
    script.ERROR_REPORT_INTERVAL = 0.0  # every failure is "10 s later"
    archiver = script.Archiver(FailingArchive(tmp_path / "a.jsonl"), lambda event: {},
                               lambda t: "NewBlock", lambda l: "EVENT", exit_on_write_error=False)
    for seq in (1, 2, 3):
        archiver.handle(FakeDelivery(seq))
    err = capsys.readouterr().err
    assert [line.split("; ")[1] for line in err.splitlines()] == [
        f"{n} event(s) not archived so far ({n} write error(s))" for n in (1, 2, 3)]
