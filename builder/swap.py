"""Publishes a build's outputs whole: folders behind symlinks switched by one rename, files replaced by one."""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import re
import shutil
import signal
import time
from collections.abc import Callable
from pathlib import Path

# The publish in progress, relative to the project folder: written once every new whole is in place,
# removed when every output points to it. A build that finds it finishes the publish (rolls forward).
JOURNAL = ".build-commit.json"
# Tests stop a publish at a step: the environment variable kills the process (SIGKILL) before step N,
# the hook is called before every step and may raise.
KILL_ENV = "BUILDER_TEST_KILL_AT_STEP"
step_hook: Callable[[int, str], None] | None = None
TAG = re.compile(r"(\d+)-\d+$")


def versions_of(target: Path) -> Path:
    """Given a published folder (site, data/json), return the folder holding its versions (.site-versions)."""
    return target.with_name(f".{target.name}-versions")


def new_file_of(target: Path, tag: str) -> Path:
    """Given a published file (data/agencies.yaml) and a build's tag, return where that build stages its new whole."""
    return target.with_name(f".{target.name}.new-{tag}")


def reached(step: int, what: str) -> None:
    """Called before each step of a publish; lets a test kill or fail the build exactly there."""
    if os.environ.get(KILL_ENV) == str(step):
        os.kill(os.getpid(), signal.SIGKILL)
    if step_hook is not None:
        step_hook(step, what)


def publish(root: Path, folders: dict[Path, Path], files: dict[Path, Path], tag: str) -> None:
    """Make each staged whole the published one, so that at every instant each output is its old or new whole.

    Takes the project folder, {published folder: staged folder}, {published file: staged file beside it}
    (from new_file_of) and the build's tag. Each staged folder is first moved into the published folder's
    versions folder (`site` -> `.site-versions/TAG`), unseen; then the journal is written, and from then on
    the publish is committed: each published folder becomes a symlink switched to its new version by one
    rename (a real folder left by an older builder is exchanged for the symlink in one step on Linux), each
    file is replaced by one rename, and the journal is removed. A build killed after the journal is written
    is finished by `recover` at the start of the next build; killed before, it leaves the old outputs.
    Raises OSError if a rename fails (the old outputs stay published).
    """
    step = 0
    links = {}
    for target, staged in folders.items():
        version = versions_of(target) / tag
        version.parent.mkdir(parents=True, exist_ok=True)
        reached(step := step + 1, f"move {staged} to {version}")
        staged.rename(version)
        links[rel(target, root)] = os.path.relpath(version, target.parent)
    plan = {"links": links, "files": {rel(t, root): rel(s, root) for t, s in files.items()}}
    tmp = root / f"{JOURNAL}.{tag}"
    tmp.write_text(json.dumps(plan, indent=1), encoding="utf-8")
    reached(step := step + 1, "write the journal")
    os.replace(tmp, root / JOURNAL)
    finish(root, plan, step)


def finish(root: Path, plan: dict, step: int = 0) -> None:
    """Carry out a committed publish (see `publish`); each step is done only if not done yet, so a publish
    interrupted at any step can be finished by calling this again."""
    for target, link in plan["links"].items():
        reached(step := step + 1, f"switch {target} to {link}")
        switch_link(root / target, link)
    for target, staged in plan["files"].items():
        if (root / staged).exists():
            reached(step := step + 1, f"replace {target}")
            os.replace(root / staged, root / target)
    reached(step + 1, "remove the journal")
    (root / JOURNAL).unlink(missing_ok=True)
    for target in plan["links"]:
        remove_old_versions(root / target)


def switch_link(target: Path, link: str) -> None:
    """Point the symlink `target` at `link` by one rename; a real folder there is exchanged for the symlink."""
    if target.is_symlink() and os.readlink(target) == link:
        return
    tmp = target.with_name(f".{target.name}.link-{new_tag()}")
    if tmp.is_symlink() or tmp.is_file():
        tmp.unlink()
    os.symlink(link, tmp, target_is_directory=True)
    if target.is_dir() and not target.is_symlink():
        retired = versions_of(target) / f"retired-{new_tag()}"
        if exchange(tmp, target):  # now tmp is the old folder
            tmp.rename(retired)
            return
        target.rename(retired)  # no atomic exchange here: a short gap, which `recover` closes if killed in it
    os.replace(tmp, target)


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); return False where that is impossible."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def recover(root: Path, targets: list[Path], files: list[Path]) -> None:
    """At the start of a build: finish a publish a killed build committed, then remove what no output uses.

    Takes the project folder, the published folders and the published files. Removes versions no symlink
    points to, staged files and leftover symlinks, unless the build that made them is still running.
    A folder caught mid-swap by the builder before this one (`.json.old` present, `json` missing) is put back.
    """
    journal = root / JOURNAL
    if journal.exists():
        finish(root, json.loads(journal.read_text(encoding="utf-8")))
    for target in targets:
        old = target.with_name(f".{target.name}.old")
        if old.is_dir() and not target.exists():
            old.rename(target)
        elif old.exists() or old.is_symlink():
            remove(old)
        for leftover in target.parent.glob(f".{target.name}.link-*"):
            if not owner_alive(leftover.name):
                remove(leftover)
        remove_old_versions(target)
    for file in files:
        for leftover in file.parent.glob(f".{file.name}.new-*"):
            if not owner_alive(leftover.name):
                remove(leftover)
    for tmp in root.glob(f"{JOURNAL}.*"):
        if not owner_alive(tmp.name):
            tmp.unlink()


def remove_old_versions(target: Path) -> None:
    """Remove every version of a published folder except the one it points to and those of running builds."""
    folder = versions_of(target)
    if not folder.is_dir():
        return
    current = (target.parent / os.readlink(target)).resolve() if target.is_symlink() else None
    for version in folder.iterdir():
        if version.resolve() != current and not owner_alive(version.name):
            remove(version)


_last_tag = 0  # the milliseconds of this process's last tag: two tags asked for in one millisecond still differ


def new_tag() -> str:
    """A tag for what this build stages, `PID-MILLISECONDS`: unique (within a process the milliseconds only grow,
    by one when asked twice in one millisecond), and it names the process that owns it."""
    global _last_tag
    _last_tag = max(_last_tag + 1, time.time_ns() // 1_000_000)
    return f"{os.getpid()}-{_last_tag}"


def owner_alive(name: str) -> bool:
    """Given a staged name ending in a tag (new_tag), whether another process that is still running made it."""
    found = TAG.search(name)
    return bool(found) and int(found[1]) != os.getpid() and process_alive(int(found[1]))


def process_alive(pid: int) -> bool:
    """Whether a process with this id is running."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError, ValueError):
        return False
    except PermissionError:
        return True
    return True


def remove(path: Path) -> None:
    """Remove a file, a symlink (not what it points to) or a folder tree."""
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


def rel(path: Path, root: Path) -> str:
    """Given a path inside the project folder, return it relative to that folder, as the journal records it."""
    return str(path.relative_to(root))
