#!/usr/bin/python3
"""plexus-pyarchiver: a shipped Python module (module-sdk/python) that appends the events of
chosen types to a file as JSON lines, rotating it by size (modules/pyarchiver/README.md).

One line per event, the shape plexus-logger prints plus the type, lane, journal offset and flags:
  {"type":"NewBlock","lane":"EVENT","seq":3,"dropped_before":0,"lifecycle":false,"offset":7,
   "flags":0,"event":{...the plexus.v1.Event in protobuf JSON, proto field names...}}
("offset" only for a journaled event; seq and dropped_before count per lane.)

Settings: types, path, max_bytes, keep, flush, on_write_error (see Settings.parse). A bad
setting ends the module at start with exit status 2 and the reason on stderr (the node logs it).
A write error (disk full, file too large) is reported on stderr, counted, and the event is not
archived; the module carries on (on_write_error=continue) or exits with status 3 (=exit).

Threads: everything here runs on the thread that calls main(), which is also the SDK's run()
thread (handlers run on it): Archive is owned by that one thread and asserts it.
"""

from __future__ import annotations

import fcntl
import json
import os
import pwd
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Optional

PROGRAM = "plexus-pyarchiver"
EXIT_BAD_SETTING = 2
EXIT_WRITE_ERROR = 3
ERROR_REPORT_INTERVAL = 10.0  # seconds between two reports while writes keep failing


class SettingError(ValueError):
    """A setting the module cannot run with: the message names it."""


def say(what: str) -> None:
    print(f"{PROGRAM}: {what}", file=sys.stderr, flush=True)


def _normalize(name: str) -> str:
    return name.replace("_", "").lower()


def parse_types(text: str, event_types: Mapping[str, int]) -> List[int]:
    """As plexus-logger (ipc::parseEventType): comma-separated names, case and underscores
    ignored, an optional EVENT_TYPE_ prefix ("NewBlock", "new_block", "EVENT_TYPE_NEW_BLOCK");
    empty or "all": every type. `event_types`: NAME_WITHOUT_PREFIX -> number."""
    if text.strip() in ("", "all"):
        return sorted(number for number in event_types.values() if number != 0)
    by_name = {_normalize(name): number for name, number in event_types.items() if number != 0}
    types: List[int] = []
    for name in (part.strip() for part in text.split(",")):
        if not name:
            continue
        wanted = _normalize(name)
        if wanted.startswith("eventtype"):
            wanted = wanted[len("eventtype"):]
        if wanted not in by_name:
            raise SettingError(f"setting types: unknown event type '{name}'")
        if by_name[wanted] not in types:
            types.append(by_name[wanted])
    if not types:
        raise SettingError("setting types: names no event type")
    return types


def state_directory(environ: Mapping[str, str]) -> Path:
    """The node journal's default home (docs/config.md, journal.path): $STATE_DIRECTORY (the
    first of its list), else $XDG_STATE_HOME/plexus, else $HOME/.local/state/plexus."""
    state = environ.get("STATE_DIRECTORY", "")
    if state:
        return Path(state.split(":")[0])
    xdg = environ.get("XDG_STATE_HOME", "")
    if xdg:
        return Path(xdg) / "plexus"
    home = environ.get("HOME", "") or pwd.getpwuid(os.getuid()).pw_dir
    return Path(home) / ".local/state/plexus"


def _integer(settings: Mapping[str, str], key: str, default: int, low: int, high: int) -> int:
    text = settings.get(key, "").strip()
    if not text:
        return default
    try:
        value = int(text, 10)
    except ValueError:
        raise SettingError(f"setting {key}: '{text}' is not an integer") from None
    if not low <= value <= high:
        raise SettingError(f"setting {key}: {value} is out of range [{low}, {high}]")
    return value


def _choice(settings: Mapping[str, str], key: str, choices: List[str]) -> str:
    value = settings.get(key, "").strip() or choices[0]
    if value not in choices:
        raise SettingError(f"setting {key}: '{value}' is not one of {', '.join(choices)}")
    return value


@dataclass(frozen=True)
class Settings:
    types: List[int]
    path: Path
    max_bytes: int
    keep: int
    fsync: bool  # flush=fsync: every line reaches the disk before its event is acked
    exit_on_write_error: bool

    @staticmethod
    def parse(settings: Mapping[str, str], module_id: str, environ: Mapping[str, str],
              event_types: Mapping[str, int]) -> "Settings":
        known = {"types", "path", "max_bytes", "keep", "flush", "on_write_error"}
        unknown = sorted(set(settings) - known)
        if unknown:
            names = ", ".join(sorted(known))
            raise SettingError(f"unknown setting '{unknown[0]}' (known: {names})")
        path = settings.get("path", "").strip()
        return Settings(
            types=parse_types(settings.get("types", ""), event_types),
            path=Path(path) if path else state_directory(environ) / module_id / "archive.jsonl",
            max_bytes=_integer(settings, "max_bytes", 64 * 1024 * 1024, 1, 2**62),
            keep=_integer(settings, "keep", 5, 0, 1000),
            fsync=_choice(settings, "flush", ["write", "fsync"]) == "fsync",
            exit_on_write_error=_choice(settings, "on_write_error", ["continue", "exit"]) == "exit",
        )


class Archive:
    """The archive file: appends lines, rotates by size (path -> path.1 -> ... path.keep, the
    oldest removed) before a line would take the file over max_bytes (a longer line gets a file
    of its own), and keeps every line whole: a failed write is cut back off the file.
    Owned by one thread (the one that opened it)."""

    def __init__(self, path: Path, max_bytes: int, keep: int, fsync: bool) -> None:
        self._owner = threading.get_ident()
        self.path = path
        self._max_bytes = max_bytes
        self._keep = keep
        self._fsync = fsync
        if path.parent.exists() and not path.parent.is_dir():
            raise SettingError(f"setting path: {path.parent} is not a directory")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise SettingError(f"setting path: cannot create {path.parent}: {e.strerror}") from None
        if path.exists() and not path.is_file():  # a device or directory is not rotated
            raise SettingError(f"setting path: {path} is not a regular file")
        # One archiver per path: a second one would rotate the first one's file away.
        self._lock = self._open(Path(f"{path}.lock"), os.O_RDWR)
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(self._lock)
            raise SettingError(f"setting path: {path} is in use by another archiver") from None
        self._fd = self._open(path, os.O_WRONLY | os.O_APPEND)
        self._size = os.fstat(self._fd).st_size

    def _open(self, path: Path, flags: int) -> int:
        if path.exists() and not path.is_file():
            raise SettingError(f"setting path: {path} is not a regular file")
        try:
            return os.open(path, flags | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as e:
            raise SettingError(f"setting path: cannot open {path}: {e.strerror}") from None

    def append(self, line: bytes) -> None:
        """Writes one line (with its newline) whole, or raises OSError with the file as before
        (a rotation or reopening that failed is tried again by the next line)."""
        assert threading.get_ident() == self._owner, "Archive is owned by one thread"
        if self._fd < 0:
            self._reopen()
        if self._size > 0 and self._size + len(line) > self._max_bytes:
            self._rotate()
        written = 0
        try:
            while written < len(line):
                written += os.write(self._fd, line[written:])
            if self._fsync:
                os.fsync(self._fd)
        except OSError:
            if written:
                try:  # no half line: the next one starts at a line boundary
                    os.ftruncate(self._fd, self._size)
                except OSError:
                    pass
            raise
        self._size += written

    def _reopen(self) -> None:
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
        self._size = os.fstat(self._fd).st_size

    def _rotate(self) -> None:
        """path.N-1 -> path.N ... path -> path.1, then a new path. Raises OSError when a step
        fails: the files are then as that step left them, and the next line tries again."""
        name = str(self.path)
        if self._keep == 0:
            os.ftruncate(self._fd, 0)
            self._size = 0
            return
        for index in range(self._keep - 1, 0, -1):
            older = f"{name}.{index}"
            if os.path.exists(older):
                os.replace(older, f"{name}.{index + 1}")
        os.replace(name, f"{name}.1")
        os.close(self._fd)
        self._fd = -1
        self._reopen()
        if self._fsync:
            directory = os.open(self.path.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
        os.close(self._lock)


class Archiver:
    """Turns deliveries into lines and counts what was archived and what was not."""

    def __init__(self, archive: Archive, to_dict: Callable, type_name: Callable[[int], str],
                 lane_name: Callable[[int], str], exit_on_write_error: bool) -> None:
        self._archive = archive
        self._to_dict = to_dict
        self._type_name = type_name
        self._lane_name = lane_name
        self._exit_on_write_error = exit_on_write_error
        self.archived = 0
        self.not_archived = 0  # events lost to write errors
        self.write_errors = 0
        self._failing_since: Optional[int] = None  # not_archived when writes began to fail
        self._last_report = 0.0

    def line(self, d) -> bytes:
        record: Dict[str, object] = {
            "type": self._type_name(d.type), "lane": self._lane_name(d.lane), "seq": d.sequence,
            "dropped_before": d.dropped_before, "lifecycle": d.is_lifecycle,
        }
        if d.offset:
            record["offset"] = d.offset
        record["flags"] = d.flags
        record["event"] = self._to_dict(d.event)
        return (json.dumps(record, separators=(",", ":")) + "\n").encode()

    def handle(self, d) -> None:
        try:
            self._archive.append(self.line(d))
        except OSError as e:
            self._failed(e, d)
            return
        self.archived += 1
        if self._failing_since is not None:
            say(f"writing to {self._archive.path} works again; "
                f"{self.not_archived - self._failing_since} event(s) were not archived meanwhile")
            self._failing_since = None

    def _failed(self, error: OSError, d) -> None:
        self.write_errors += 1
        self.not_archived += 1
        reason = os.strerror(error.errno) if error.errno else str(error)
        what = (f"cannot write {self._type_name(d.type)} seq {d.sequence} to "
                f"{self._archive.path}: [Errno {error.errno}] {reason}")
        if self._exit_on_write_error:
            say(f"{what}; exiting (on_write_error=exit)")
            sys.exit(EXIT_WRITE_ERROR)
        now = time.monotonic()
        if self._failing_since is None or now - self._last_report >= ERROR_REPORT_INTERVAL:
            if self._failing_since is None:
                self._failing_since = self.not_archived - 1
            self._last_report = now
            say(f"{what}; {self.not_archived} event(s) not archived so far "
                f"({self.write_errors} write error(s)); carrying on")

    def summary(self) -> str:
        return (f"{self.archived} event(s) archived to {self._archive.path}, "
                f"{self.not_archived} not archived ({self.write_errors} write error(s))")


def main() -> int:
    import plexus
    from google.protobuf import json_format
    from plexus import EventType

    module = plexus.Module.from_environment(name="pyarchiver", version="1.0.0")
    try:
        settings = Settings.parse(module.settings, module.id, os.environ,
                                  {member.name: int(member) for member in EventType})
        archive = Archive(settings.path, settings.max_bytes, settings.keep, settings.fsync)
    except SettingError as e:
        say(str(e))
        module.close()
        return EXIT_BAD_SETTING

    def to_dict(event) -> dict:
        return json_format.MessageToDict(event, preserving_proto_field_name=True)

    archiver = Archiver(archive, to_dict, plexus.display_name, lambda lane: plexus.Lane(lane).name,
                        settings.exit_on_write_error)
    for event_type in settings.types:
        module.on(event_type, archiver.handle)
    say(f"archiving {', '.join(plexus.display_name(t) for t in settings.types)} "
        f"to {settings.path} (max_bytes {settings.max_bytes}, keep {settings.keep})")
    try:
        status = module.run()
    finally:
        say(archiver.summary())
        archive.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
