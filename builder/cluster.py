"""The parse stage on a Dask cluster (build --scheduler): report files sent as bytes, parse results sent back."""

from __future__ import annotations

import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from builder import isolation, parsecache
from builder.build import outcome_to_entry, parse_file
from builder.provenance import MAX_SIDECAR_BYTES, sidecar_path

CONNECT_SECONDS = 30  # how long to wait for the scheduler to answer, and for it to have a worker
TASKS_PER_THREAD = 8  # files in flight per worker thread: enough to hide the round trip, few enough to hold little


class ClusterUnavailable(Exception):
    """The scheduler cannot be used (not reachable, no worker, `distributed` not installed); says why."""


@dataclass(frozen=True)
class Shipment:
    """A report file as sent to a machine that cannot see the reports folder: the name it is shown under, its
    bytes, and its provenance sidecar as the reader would find it (builder.provenance.read_sidecar): its bytes,
    or only its size when it is too large to be read, or `sidecar_special` when it is not a regular file."""

    name: str
    data: bytes
    sidecar: bytes | None = None
    sidecar_size: int = 0
    sidecar_special: bool = False


def path_to_shipment(path: Path, name: str) -> Shipment:
    """Given a report file and its name, return its Shipment. Raises OSError if the file cannot be read."""
    side = sidecar_path(path)
    try:
        info = side.stat()
    except OSError:  # no sidecar (or a name too long for one)
        return Shipment(name, path.read_bytes())
    if not stat.S_ISREG(info.st_mode):
        return Shipment(name, path.read_bytes(), sidecar_special=True)
    if info.st_size > MAX_SIDECAR_BYTES:
        return Shipment(name, path.read_bytes(), sidecar_size=info.st_size)
    return Shipment(name, path.read_bytes(), sidecar=side.read_bytes())


def shipment_to_file(shipment: Shipment, folder: Path) -> Path:
    """Write a Shipment into `folder` under its file name, with its sidecar as the reader would find it; return
    the report file's path there."""
    path = folder / Path(shipment.name).name
    path.write_bytes(shipment.data)
    side = sidecar_path(path)
    if shipment.sidecar_special:
        side.mkdir()
    elif shipment.sidecar_size:
        with open(side, "wb") as f:
            f.truncate(shipment.sidecar_size)  # only its size is read: a sparse file of that size
    elif shipment.sidecar is not None:
        side.write_bytes(shipment.sidecar)
    return path


def parse_shipment(shipment: Shipment, max_bytes: int, max_pages: int) -> tuple[str, dict]:
    """In a worker on any machine: parse a shipped report file as build.parse_to_cache parses a local one (same
    parse_file, same entry) and return (this machine's parser version, the parse-cache entry) for the parent to
    check and write. The file lives in a temporary folder for the time of the call."""
    with tempfile.TemporaryDirectory(prefix="builder-shipped-") as tmp:
        path = shipment_to_file(shipment, Path(tmp))
        return parsecache.parser_version(), outcome_to_entry(parse_file(path, shipment.name, max_bytes, max_pages))


def parse_on_cluster(
    files: list[tuple[Path, str, Path]],
    limits: isolation.Limits,
    max_bytes: int,
    max_pages: int,
    done: Callable[[int, isolation.Result], None],
) -> list[isolation.Result]:
    """Given report files as (path, name, parse-cache entry file), parse each on the workers of the Dask
    scheduler at `limits.scheduler` (each call within `limits`' time and memory, in a worker process as on one
    machine: isolation.run_kept), write each result to its entry file as it comes back (as build.parse_to_cache
    does in a local worker), and return one Result per file, in order: an error, or nothing when the entry was
    written. `done` hears of each as it ends. Files are read only as they are sent, a few per worker thread.

    A file whose worker ran another parser version, or that the cluster lost (a worker machine gone), gets an
    error Result; the other files go on. Raises ClusterUnavailable when the scheduler cannot be reached or has
    no worker."""
    version = parsecache.parser_version()

    def calls() -> Iterator[tuple]:
        for path, name, _ in files:
            try:
                yield (path_to_shipment(path, name), max_bytes, max_pages)
            except OSError as exc:
                yield OSError(f"cannot read file: {exc.strerror}")

    def checked(i: int, result: isolation.Result) -> None:
        if result.error is None:
            theirs, entry = result.value
            result.value = None  # not held: written now
            if theirs == version:
                parsecache.store(files[i][2], entry)
            else:
                result.error = other_version_error(theirs, version)
        done(i, result)

    return run_on_cluster(parse_shipment, calls(), limits, checked)


def other_version_error(theirs: str, ours: str) -> str:
    """The error of a file parsed by a worker whose parser differs from this machine's (builder.parsecache)."""
    return (
        f"parsed by a Dask worker with another parser version ({theirs[:12]}, here {ours[:12]}): install the same "
        "version of the project on every worker"
    )


def run_on_cluster(
    func: Callable, calls: Iterable[tuple | OSError], limits: isolation.Limits, done: Callable
) -> list[isolation.Result]:
    """Run `func` on each argument tuple of `calls` (an iterable consumed as tasks are sent; an OSError in it is
    that call's error) on the Dask scheduler at `limits.scheduler`, each through isolation.run_kept; return one
    Result per call, in order, `done(i, result)` hearing of each as it ends. At most TASKS_PER_THREAD calls per
    worker thread are out at once. Raises ClusterUnavailable (see parse_on_cluster)."""
    client = connect(limits.scheduler)
    import dask
    from distributed import as_completed

    # Each file is sent once, in its own task: not the repeated data that Dask's large-graph warning is about.
    with client, dask.config.set({"distributed.admin.large-graph-warning-threshold": "1GiB"}):
        pending, index, results = enumerate(calls), {}, {}

        def send(n: int) -> list:  # the next n tasks (a call that is an error finishes here and is not one)
            sent = []
            for i, args in pending:
                if isinstance(args, OSError):
                    finish(i, isolation.Result(error=str(args)))
                    continue
                sent.append(client.submit(isolation.run_kept, func, args, limits, pure=False))
                index[sent[-1]] = i
                if len(sent) == n:
                    break
            return sent

        def finish(i: int, result: isolation.Result) -> None:
            results[i] = result
            done(i, result)

        first = send(TASKS_PER_THREAD * max(1, sum(client.nthreads().values())))
        running = as_completed(first, loop=client.loop)
        for future in running:
            finish(index.pop(future), future_to_result(future))
            future.release()
            running.update(send(1))
        return [results[i] for i in range(len(results))]


def connect(address: str):
    """Return a distributed Client of the scheduler at `address` that has at least one worker. Raises
    ClusterUnavailable saying why not: the cluster extra not installed, no answer, no worker."""
    try:
        from distributed import Client
    except ImportError:
        raise ClusterUnavailable(
            "--scheduler needs Dask distributed: pip install -e '.[cluster]' (on this machine and every worker)"
        ) from None
    try:
        client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ClusterUnavailable(f"cannot reach the Dask scheduler at {address} (--scheduler): {exc}") from None
    try:
        client.wait_for_workers(1, timeout=CONNECT_SECONDS)
    except TimeoutError:
        client.close()
        raise ClusterUnavailable(
            f"the Dask scheduler at {address} has no worker after {CONNECT_SECONDS} s: start `dask worker {address}` "
            "on each machine (with this project installed)"
        ) from None
    return client


def future_to_result(future) -> isolation.Result:
    """Given a finished Dask future of isolation.run_kept, return its Result; a task the cluster could not run
    (its worker lost again and again, the task cancelled) becomes a Result with that error."""
    try:
        return future.result()
    except Exception as exc:  # the cluster's reason, kept for this file; the others go on
        return isolation.Result(error=f"the Dask cluster could not parse it: {type(exc).__name__}: {exc}")
