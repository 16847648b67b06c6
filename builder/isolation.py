"""Runs one call per input in its own child process, with a time and a memory limit, a few at a time."""

from __future__ import annotations

import ctypes
import ctypes.util
import faulthandler
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

MIN_MEMORY_BYTES = 64 * 2**20  # below this a worker cannot even start the readers


@dataclass(frozen=True)
class Limits:
    """How long and how much memory one input may take, and how many run at once (0: in this process, no limits).

    seconds (--timeout) > 0; memory_bytes (--max-memory, in bytes) at least MIN_MEMORY_BYTES (64 MB);
    workers (--jobs) >= 0. Raises ValueError naming the bad setting and its option."""

    seconds: float = 60.0
    memory_bytes: int = 3 * 2**30  # address space a worker may add to what it starts with
    workers: int = 2

    def __post_init__(self):
        if not self.seconds > 0:
            raise ValueError(f"Limits.seconds (--timeout) must be a positive number of seconds, not {self.seconds!r}")
        if self.memory_bytes < MIN_MEMORY_BYTES:
            raise ValueError(f"Limits.memory_bytes must be at least 64 MB, not {self.memory_bytes!r}")
        if self.workers < 0:
            raise ValueError(f"Limits.workers (--jobs) must be 0 or more, not {self.workers!r}")


@dataclass
class Result:
    """What one call gave: its value, or why there is none."""

    value: object = None
    error: str | None = None


def run_each(
    func: Callable, calls: Sequence[tuple], limits: Limits, done: Callable[[int, Result], None] = lambda i, r: None
) -> list[Result]:
    """Given a function and its argument tuples, return one Result per call, in order; `done` hears of each as it ends.

    Each call runs in a fresh child process, so a call that hangs, eats memory or crashes the
    interpreter is stopped and reported alone. `func` should not raise; if it does, the error is kept.
    """
    if limits.workers == 0:
        results = []
        for i, args in enumerate(calls):
            results.append(call_inline(func, args))
            done(i, results[-1])
        return results
    ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    results: list[Result | None] = [None] * len(calls)
    queue = list(enumerate(calls))[::-1]
    running: dict[Connection, tuple[int, multiprocessing.Process, float]] = {}
    try:
        while queue or running:
            while queue and len(running) < limits.workers:
                i, args = queue.pop()
                reader, writer = ctx.Pipe(duplex=False)
                proc = ctx.Process(
                    target=child_main, args=(writer, func, args, limits.memory_bytes, os.getpid()), daemon=True
                )
                proc.start()
                writer.close()
                running[reader] = (i, proc, time.monotonic() + limits.seconds)
            next_deadline = min(deadline for _, _, deadline in running.values())
            for reader in wait(list(running), timeout=max(0.0, next_deadline - time.monotonic())):
                i, proc, _ = running.pop(reader)
                results[i] = receive(reader, proc, limits)
                done(i, results[i])
            now = time.monotonic()
            for reader, (i, proc, deadline) in list(running.items()):
                if now >= deadline:
                    del running[reader]
                    stop(proc)
                    reader.close()
                    results[i] = Result(
                        error=f"stopped after {limits.seconds:g} s (time limit; raise it with --timeout)"
                    )
                    done(i, results[i])
    finally:
        for reader, (_, proc, _) in running.items():
            stop(proc)
            reader.close()
    return results  # type: ignore[return-value]


def call_inline(func: Callable, args: tuple) -> Result:
    """Given a function and its arguments, call it in this process (no limits) and return its Result; an
    Exception it raises becomes the Result's error ("unexpected ValueError: …"), not raised."""
    try:
        return Result(value=func(*args))
    except Exception as exc:  # the caller's function failed: keep the reason, go on with the next
        return Result(error=f"unexpected {type(exc).__name__}: {exc}")


def child_main(conn: Connection, func: Callable, args: tuple, memory_bytes: int, parent: int) -> None:
    """In the child: die with the parent, limit memory, run the call, send back ("ok", value) or ("error", why)."""
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it stops the children
    faulthandler.disable()  # a crash is reported by the parent in one line, not as a dumped traceback
    limit_memory(memory_bytes)
    try:
        message = ("ok", func(*args))
    except MemoryError:
        message = ("error", memory_error(memory_bytes))
    except BaseException as exc:  # anything, so the parent always hears why
        message = ("error", f"unexpected {type(exc).__name__}: {exc}")
    try:
        conn.send(message)
    except MemoryError:
        conn.send(("error", memory_error(memory_bytes)))
    except Exception as exc:  # e.g. a value that cannot be pickled
        conn.send(("error", f"result could not be sent back: {type(exc).__name__}: {exc}"))
    conn.close()
    os._exit(0)  # skip atexit and inherited finalizers: the parent owns them


def die_with_parent(parent: int) -> None:
    """Have the kernel kill this process when `parent` dies, even by SIGKILL (Linux PR_SET_PDEATHSIG).

    A parent killed before the request took effect is noticed (this process then has another parent) and
    this process exits at once. Elsewhere there is no such request; a worker then ends at its time limit."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:
        os._exit(1)


def memory_error(memory_bytes: int) -> str:
    """Given the memory limit in bytes, return the error of a call that exceeded it, naming the limit in MB."""
    return f"out of memory: needed more than {memory_bytes // 2**20} MB (memory limit)"


def limit_memory(memory_bytes: int) -> None:
    """Cap this process's address space at what it uses now plus `memory_bytes` (Linux; elsewhere no cap)."""
    try:
        import resource

        with open("/proc/self/statm") as f:
            current = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        resource.setrlimit(resource.RLIMIT_AS, (current + memory_bytes, resource.RLIM_INFINITY))
    except (ImportError, OSError, ValueError):
        pass


def receive(reader: Connection, proc, limits: Limits) -> Result:
    """Given a child's pipe that is ready, return its Result; a child that died says how."""
    try:
        status, payload = reader.recv()
    except (EOFError, OSError):
        proc.join(5)
        return Result(error=death_reason(proc.exitcode, limits))
    finally:
        reader.close()
    proc.join(5)
    if proc.is_alive():
        stop(proc)
    return Result(value=payload) if status == "ok" else Result(error=payload)


def death_reason(exitcode: int | None, limits: Limits) -> str:
    """Given the exit code of a worker that died without sending a result (negative: killed by that signal),
    return the error saying how it died; a SIGKILL is hinted to be the memory limit."""
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name
        hint = " (out of memory?)" if name == "SIGKILL" else ""
        return f"the reader crashed: worker killed by {name}{hint}"
    return f"the reader crashed: worker exited with code {exitcode} without a result"


def stop(proc) -> None:
    """Given a worker process, kill it if it still runs (SIGKILL) and wait up to 5 s for it to end."""
    if proc.is_alive():
        proc.kill()
    proc.join(5)
