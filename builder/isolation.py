"""Runs one call per input in a pool of long-lived child processes, each call within a time and a memory limit."""

from __future__ import annotations

import ctypes
import ctypes.util
import faulthandler
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait

MIN_MEMORY_BYTES = 64 * 2**20  # below this a worker cannot even start the readers
STARTUP_SECONDS = 120  # how long a new worker may take to be ready (a spawned one imports the readers)


@dataclass(frozen=True)
class Limits:
    """How long and how much memory one input may take, and how many run at once (0: in this process, no limits).

    seconds (--timeout) > 0; memory_bytes (--max-memory, in bytes) at least MIN_MEMORY_BYTES (64 MB);
    workers (--jobs) >= 0; scheduler (--scheduler): the address of a Dask scheduler (`tcp://HOST:PORT`) whose
    workers run the calls instead (builder.cluster), each within the same limits, or None for this machine.
    Raises ValueError naming the bad setting and its option."""

    seconds: float = 60.0
    memory_bytes: int = 3 * 2**30  # address space a worker may add to what it starts with
    workers: int = 2
    scheduler: str | None = None

    def __post_init__(self):
        if not self.seconds > 0:
            raise ValueError(f"Limits.seconds (--timeout) must be a positive number of seconds, not {self.seconds!r}")
        if self.memory_bytes < MIN_MEMORY_BYTES:
            raise ValueError(f"Limits.memory_bytes must be at least 64 MB, not {self.memory_bytes!r}")
        if self.workers < 0:
            raise ValueError(f"Limits.workers (--jobs) must be 0 or more, not {self.workers!r}")
        if self.scheduler is not None and "://" not in self.scheduler:
            raise ValueError(
                f"Limits.scheduler (--scheduler) must be an address like tcp://HOST:8786, not {self.scheduler!r}"
            )


@dataclass
class Result:
    """What one call gave: its value, or why there is none."""

    value: object = None
    error: str | None = None


def run_each(
    func: Callable, calls: Sequence[tuple], limits: Limits, done: Callable[[int, Result], None] = lambda i, r: None
) -> list[Result]:
    """Given a function and its argument tuples, return one Result per call, in order; `done` hears of each as it ends.

    The calls run in a pool of `limits.workers` long-lived child processes (see Pool), so a call that
    hangs, eats memory or crashes the interpreter is stopped and reported alone, and its worker replaced.
    With `limits.workers == 0` they run here, in order, without limits. `func` should not raise; if it
    does, the error is kept.
    """
    if limits.workers == 0 or not calls:
        results = []
        for i, args in enumerate(calls):
            results.append(call_inline(func, args))
            done(i, results[-1])
        return results
    with Pool(func, replace(limits, workers=min(limits.workers, len(calls)))) as pool:
        return pool.run(calls, done)


class Pool:
    """Long-lived worker processes that run `func` on one argument tuple at a time, each within `limits`.

    Start it (`with Pool(func, limits) as pool`) before the parent holds much: each worker is forked once
    and keeps what the parent had loaded then (the template, the readers), instead of a fork per call
    copying a parent that grew. A worker caps its memory at what it started with plus
    `limits.memory_bytes` and dies with the parent (PR_SET_PDEATHSIG). A call over `limits.seconds` has its
    worker killed; a worker that dies (killed, crashed, out of memory) is replaced, and the other calls go
    on. `func` runs in the worker: let it write large results to disk and return something small.
    `method` is the multiprocessing start method (default: fork on Linux, spawn elsewhere); a parent that runs
    threads (a Dask worker) takes spawn, since a fork copies only the forking thread and not the locks others hold.
    """

    def __init__(self, func: Callable, limits: Limits, method: str | None = None):
        self.func, self.limits = func, limits
        self.ctx = multiprocessing.get_context(method or ("fork" if sys.platform.startswith("linux") else "spawn"))
        self.idle: list[Worker] = []
        self.started = 0  # workers started in all, replacements included

    def __enter__(self) -> Pool:
        self.idle = [self.start_worker() for _ in range(self.limits.workers)]
        return self

    def __exit__(self, *exc) -> None:
        for worker in self.idle:
            worker.close()
        self.idle = []

    def start_worker(self) -> Worker:
        """Fork one worker and return it, idle."""
        parent_end, child_end = self.ctx.Pipe(duplex=True)
        proc = self.ctx.Process(
            target=worker_main, args=(child_end, self.func, self.limits.memory_bytes, os.getpid()), daemon=True
        )
        proc.start()
        child_end.close()
        self.started += 1
        # A call's time starts when the worker is ready: a spawned one first imports what `func` needs.
        try:
            parent_end.poll(STARTUP_SECONDS) and parent_end.recv()
        except (EOFError, OSError):
            pass  # it died starting: the next send finds it gone and replaces it
        return Worker(proc, parent_end)

    def run(self, calls: Sequence[tuple], done: Callable[[int, Result], None] = lambda i, r: None) -> list[Result]:
        """Run every call on the workers; return one Result per call, in order; `done` hears of each as it ends."""
        results: list[Result | None] = [None] * len(calls)
        queue = list(enumerate(calls))[::-1]
        busy: dict[Connection, tuple[int, Worker, float]] = {}

        def finish(i: int, result: Result) -> None:
            results[i] = result
            done(i, result)

        try:
            while queue or busy:
                while queue and self.idle:
                    i, args = queue.pop()
                    worker = self.idle.pop()
                    if not worker.send((i, args)):  # it died while idle: replace it, try again
                        worker.close()
                        self.idle.append(self.start_worker())
                        queue.append((i, args))
                        continue
                    busy[worker.conn] = (i, worker, time.monotonic() + self.limits.seconds)
                next_deadline = min(deadline for _, _, deadline in busy.values())
                for conn in wait(list(busy), timeout=max(0.0, next_deadline - time.monotonic())):
                    i, worker, _ = busy.pop(conn)
                    result, alive = worker.receive(self.limits)
                    self.idle.append(worker if alive else self.replace(worker))
                    finish(i, result)
                now = time.monotonic()
                for conn, (i, worker, deadline) in list(busy.items()):
                    if now >= deadline:
                        del busy[conn]
                        self.idle.append(self.replace(worker))
                        finish(
                            i,
                            Result(
                                error=f"stopped after {self.limits.seconds:g} s (time limit; raise it with --timeout)"
                            ),
                        )
        finally:
            for _, worker, _ in busy.values():
                worker.close()
        return results  # type: ignore[return-value]

    def replace(self, worker: Worker) -> Worker:
        """Stop a worker (over time, dead, or out of memory) and return a fresh one in its place."""
        worker.close()
        return self.start_worker()


@dataclass
class Worker:
    """One worker process and the parent's end of its pipe."""

    proc: multiprocessing.process.BaseProcess
    conn: Connection

    def send(self, task: tuple) -> bool:
        """Give the worker a task; False if it is gone."""
        try:
            self.conn.send(task)
        except (OSError, ValueError):
            return False
        return True

    def receive(self, limits: Limits) -> tuple[Result, bool]:
        """Given that the pipe is ready, return (the task's Result, whether the worker can take another)."""
        try:
            status, payload = self.conn.recv()
        except (EOFError, OSError):
            self.proc.join(5)
            return Result(error=death_reason(self.proc.exitcode, limits)), False
        if status == "ok":
            return Result(value=payload), True
        return Result(error=payload), status == "error"  # "fatal": the worker ran out of memory and exits

    def close(self) -> None:
        """Stop the worker and close its pipe."""
        self.conn.close()
        stop(self.proc)


KEPT = threading.local()  # per thread of this process: {(func, limits): the Pool that run_kept keeps}


def run_kept(func: Callable, args: tuple, limits: Limits) -> Result:
    """Given a function, its arguments and the limits, run the call in a worker of a Pool kept for this thread
    and these limits (started, by spawn, on the first call) and return its Result, as run_each would.

    This is what a Dask worker runs for each task (builder.cluster): the same worker processes, limits and
    errors as on one machine; the pool lives as long as the thread, so a worker is started once, not per call.
    """
    pools = KEPT.__dict__.setdefault("pools", {})
    key = (func, replace(limits, workers=1, scheduler=None))
    if key not in pools:
        allow_children()
        pools[key] = Pool(func, key[1], method="spawn").__enter__()
    return pools[key].run([args])[0]


def allow_children() -> None:
    """Let this process start worker processes although it was started as a daemon, as a Dask nanny starts its
    worker: multiprocessing refuses children to a daemon lest they outlive it, and ours die with it anyway
    (die_with_parent)."""
    process = multiprocessing.current_process()
    if process.daemon:
        process.daemon = False


def call_inline(func: Callable, args: tuple) -> Result:
    """Given a function and its arguments, call it in this process (no limits) and return its Result; an
    Exception it raises becomes the Result's error ("unexpected ValueError: …"), not raised."""
    try:
        return Result(value=func(*args))
    except Exception as exc:  # the caller's function failed: keep the reason, go on with the next
        return Result(error=f"unexpected {type(exc).__name__}: {exc}")


def worker_main(conn: Connection, func: Callable, memory_bytes: int, parent: int) -> None:
    """In a worker: die with the parent, limit memory, say ("ready", None), then run tasks `(i, args)` from the pipe
    until it closes, answering each with ("ok", value), ("error", why), or ("fatal", why) before exiting after
    running out of memory."""
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it stops the workers
    faulthandler.disable()  # a crash is reported by the parent in one line, not as a dumped traceback
    limit_memory(memory_bytes)
    conn.send(("ready", None))
    while True:
        try:
            _, args = conn.recv()
        except (EOFError, OSError):
            break
        message = run_task(func, args, memory_bytes)
        try:
            conn.send(message)
        except MemoryError:
            message = ("fatal", memory_error(memory_bytes))
            conn.send(message)
        except Exception as exc:  # e.g. a value that cannot be pickled
            conn.send(("error", f"result could not be sent back: {type(exc).__name__}: {exc}"))
        if message[0] == "fatal":
            break
    conn.close()
    os._exit(0)  # skip atexit and inherited finalizers: the parent owns them


def run_task(func: Callable, args: tuple, memory_bytes: int) -> tuple[str, object]:
    """Run one call in a worker; return the message for the parent (see worker_main). Never raises."""
    try:
        return ("ok", func(*args))
    except MemoryError:
        return ("fatal", memory_error(memory_bytes))
    except BaseException as exc:  # anything, so the parent always hears why
        return ("error", f"unexpected {type(exc).__name__}: {exc}")


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
