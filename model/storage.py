"""Crash-safe, multi-process-safe writing of a set of files in one priors folder.

A save that changes several files (a new source in sources.yaml and a parameter citing it in
findings.yaml) must land as a set, or not at all. The protocol:

1. take an exclusive ``flock`` on the folder itself (other editors wait; readers take a shared
   lock, so nobody reads half a set);
2. compare what is on disk with what the editor read (compare-and-swap): a file changed since is
   refused, never overwritten;
3. write every new file to a temporary ``.NAME.yaml.XXXX.tmp`` in the same folder and fsync it;
4. write the journal ``.twitchdx-journal`` (file -> temporary, sha256) and rename it into place:
   that single rename is the commit point;
5. rename each temporary over its file, then remove the journal.

After a crash (kill -9, power loss) :func:`recover` finishes a committed set (step 4 done) or
drops an uncommitted one (temporaries only), and removes every leftover temporary. Readers that
cannot write (a read-only deployment) see the committed set through :func:`read_texts`.

POSIX only for the locks (``fcntl``); elsewhere saving still works, without the inter-process
lock.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

from .errors import KnowledgeBaseError

JOURNAL = ".twitchdx-journal"
_TMP_SUFFIX = ".tmp"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # some file systems cannot fsync a directory
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def locked(directory: Path, exclusive: bool = True) -> Iterator[None]:
    """Hold an flock on the folder (exclusive for writers, shared for readers).

    The lock is on the directory itself, so no lock file is left in priors/. Where the folder
    cannot be opened or locked (no fcntl, odd file systems) this is a no-op.
    """
    fd = None
    if fcntl is not None:
        try:
            fd = os.open(directory, os.O_RDONLY)
            fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        except OSError:
            if fd is not None:
                os.close(fd)
            fd = None
    try:
        yield
    finally:
        if fd is not None:
            os.close(fd)  # closing releases the flock


def is_temporary(name: str) -> bool:
    """A name this module writes and removes: ``.X.yaml.NNN.tmp`` or ``.twitchdx-journal*``."""
    return name.startswith(".") and (
        (name.endswith(_TMP_SUFFIX) and ".yaml." in name) or name.startswith(JOURNAL))


def _journal(directory: Path) -> dict | None:
    path = directory / JOURNAL
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise KnowledgeBaseError(f"the save journal {JOURNAL} cannot be read ({exc}); remove it "
                                 "and check the priors files by hand") from None
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        raise KnowledgeBaseError(f"the save journal {JOURNAL} is malformed; remove it and check "
                                 "the priors files by hand")
    return data


def committed_overlay(directory: Path) -> dict[str, Path]:
    """Files of a committed but unfinished save: name -> the temporary holding its new text."""
    data = _journal(directory)
    if data is None:
        return {}
    out = {}
    for name, entry in data["files"].items():
        tmp = directory / entry["temp"]
        if tmp.exists():
            out[name] = tmp
    return out


def recover(directory: Path) -> list[str]:
    """Finish or drop an interrupted save and remove leftover temporaries.

    Returns the names of the files a committed save was finished for (usually none). Needs
    write access; a read-only folder is left alone (readers see the committed set anyway).
    """
    if not os.access(directory, os.W_OK):
        return []
    with locked(directory):
        return _recover_locked(directory)


def _recover_locked(directory: Path) -> list[str]:
    finished = []
    data = _journal(directory)
    if data is not None:
        for name, entry in data["files"].items():
            tmp = directory / entry["temp"]
            if tmp.exists():
                if _sha(tmp.read_bytes()) != entry["sha256"]:
                    raise KnowledgeBaseError(
                        f"an interrupted save left '{tmp.name}' damaged; remove {JOURNAL} and "
                        "the .tmp files and check the priors by hand", file=name)
                os.replace(tmp, directory / name)
                finished.append(name)
        _fsync_dir(directory)
        (directory / JOURNAL).unlink(missing_ok=True)
    for path in directory.iterdir():
        if is_temporary(path.name):
            path.unlink(missing_ok=True)
    _fsync_dir(directory)
    return finished


def read_texts(directory: Path, names: list[str], read: Callable[[Path], bytes]
               ) -> dict[str, bytes]:
    """``read(path)`` for each name under a shared lock, seeing a committed unfinished save's
    new files (so a reader never mixes two generations of a set)."""
    with locked(directory, exclusive=False):
        overlay = committed_overlay(directory)
        extra = [n for n in overlay if n not in names]
        return {n: read(overlay.get(n, directory / n)) for n in sorted([*names, *extra])}


def write_set(directory: Path, new: Mapping[str, bytes], expected: Mapping[str, bytes | None]
              ) -> None:
    """Write ``new`` (file name -> content) as one atomic set (see the module docstring).

    ``expected`` holds what the caller read for each name (None: the file did not exist); if
    the disk differs, nothing is written and :class:`KnowledgeBaseError` says which file.
    """
    with locked(directory):
        _recover_locked(directory)  # a crashed save is finished before comparing
        for name in new:
            path = directory / name
            try:
                on_disk = path.read_bytes()
            except FileNotFoundError:
                on_disk = None
            if on_disk != expected.get(name):
                raise KnowledgeBaseError("the file changed on disk since the editor read it; "
                                         "make a new Editor and redo the edit", file=name)
        temps: dict[str, Path] = {}
        committed = False
        try:
            for name, data in new.items():
                path = directory / name
                fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=_TMP_SUFFIX, dir=directory)
                temps[name] = Path(tmp)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                mode = path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask()
                os.chmod(tmp, mode)
            journal = {"files": {name: {"temp": tmp.name, "sha256": _sha(new[name])}
                                 for name, tmp in temps.items()}}
            fd, jtmp = tempfile.mkstemp(prefix=f"{JOURNAL}.", suffix=_TMP_SUFFIX, dir=directory)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(journal, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(jtmp, directory / JOURNAL)  # the commit point
            _fsync_dir(directory)
            committed = True
            for name, staged in temps.items():
                os.replace(staged, directory / name)
            _fsync_dir(directory)
            (directory / JOURNAL).unlink()
            _fsync_dir(directory)
        finally:
            if not committed:
                for staged in temps.values():
                    staged.unlink(missing_ok=True)
                for path in directory.glob(f"{JOURNAL}.*{_TMP_SUFFIX}"):
                    path.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
