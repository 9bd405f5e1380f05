"""Publishing worker processes for the chaos tests, started in milliseconds.

Importing Django and the platform SDKs takes seconds (on a small CI machine 3–6 s per
process), so a worker killed "at a random moment" shortly after it was started is almost
always killed before it has done anything. `WorkerPool` starts one process that imports
everything once (without touching the database) and then forks a real `manage.py publish`
worker each time the test asks for one, the way a pre-loading application server does. Each
worker is a process of its own with its own database connection and its own name (host:pid);
the test kills it with SIGKILL by its pid.

Protocol on the pool process's stdin/stdout, one line each: `spawn LOGFILE` → `spawned PID`;
whenever a worker ends: `exited PID CODE` (negative: killed by that signal). When its stdin
closes (the test ended or died), the pool process kills its workers and exits.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


# -- in the pool process ------------------------------------------------------------------
def serve(argv: list[str]) -> None:
    import django

    django.setup()
    from django.db import connections

    import kagami.publishing.worker  # noqa: F401  (all adapters and their SDKs)

    # A connection opened here would be shared by every forked worker.
    assert all(c.connection is None for c in connections.all(initialized_only=True))
    children: set[int] = set()
    say("ready")
    pending = b""
    while True:
        readable, _w, _x = select.select([0], [], [], 0.01)
        if readable:
            chunk = os.read(0, 4096)
            if not chunk:
                break
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                command, _sp, log = line.decode().partition(" ")
                if command == "spawn":
                    pid = os.fork()
                    if pid == 0:
                        _work(argv, log)
                    children.add(pid)
                    say(f"spawned {pid}")
        while children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            children.discard(pid)
            say(f"exited {pid} {os.waitstatus_to_exitcode(status)}")
    for pid in children:
        os.kill(pid, signal.SIGKILL)


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _work(argv: list[str], log: str) -> None:
    """In a forked child: run `manage.py publish ARGV`, its output going to `log`."""
    code = 1
    try:
        out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.close(out)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        from django.core.management import execute_from_command_line

        execute_from_command_line(["manage.py", *argv])
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


# -- in the test --------------------------------------------------------------------------
class WorkerPool:
    """Real `publish` workers on demand: `spawn()` one, `kill(pid)` it, see who is `running`."""

    def __init__(self, args: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.log_dir = log_dir
        self.running: set[int] = set()
        self.killed: set[int] = set()
        self.exits: dict[int, int] = {}
        self.logs: dict[int, Path] = {}
        self._ready = threading.Event()
        self._spawned: list[int] = []
        self._changed = threading.Condition()
        code = "import sys; from kagami.publishing.tests.workers import serve; serve(sys.argv[1:])"
        self._proc = subprocess.Popen(
            [sys.executable, "-c", code, *args],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=(log_dir / "pool.log").open("ab"),
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for raw in self._proc.stdout:
            word, *rest = raw.decode().split()
            with self._changed:
                if word == "ready":
                    self._ready.set()
                elif word == "spawned":
                    self._spawned.append(int(rest[0]))
                elif word == "exited":
                    pid, code = int(rest[0]), int(rest[1])
                    self.running.discard(pid)
                    self.exits[pid] = code
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_ready(self, timeout: float) -> None:
        if not self._ready.wait(timeout):
            raise TimeoutError(f"the worker pool did not start: {self.log('pool')}")

    def spawn(self) -> int:
        assert self._proc.stdin is not None
        log = self.log_dir / f"worker-{len(self.logs) + 1}.log"
        with self._changed:
            self._proc.stdin.write(f"spawn {log}\n".encode())
            self._proc.stdin.flush()
            if not self._changed.wait_for(lambda: bool(self._spawned), timeout=10):
                raise TimeoutError("the worker pool did not fork a worker")
            pid = self._spawned.pop(0)
            self.running.add(pid)
            self.logs[pid] = log
        return pid

    def kill(self, pid: int) -> bool:
        """SIGKILL a running worker and wait until it is gone; False if it was not running."""
        with self._changed:
            if pid not in self.running:
                return False
            os.kill(pid, signal.SIGKILL)
            self.killed.add(pid)
            self._changed.wait_for(lambda: pid not in self.running, timeout=10)
        return True

    def wait_all(self, deadline: float) -> bool:
        """Wait (until the monotonic `deadline`) for every worker to end; True if they did."""
        with self._changed:
            return self._changed.wait_for(
                lambda: not self.running, timeout=max(0.0, deadline - time.monotonic())
            )

    def log(self, name: int | str) -> str:
        path = self.logs.get(name) if isinstance(name, int) else self.log_dir / f"{name}.log"
        return path.read_text(errors="replace") if path and path.exists() else ""

    def close(self) -> None:
        for pid in list(self.running):
            self.kill(pid)
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        try:
            self._proc.wait(10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
