"""The embedded MongoDB-compatible store: SecantusDB run as a child process.

SecantusDB is GPL-2.0: the platform never imports it. It is started through its console
script and spoken to over the MongoDB wire protocol like any MongoDB, so the driver and
every query are the same as in a deployment.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import shutil
import sys
from pathlib import Path

from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from embedded import leftover
from embedded.lifecycle import StartStop
from embedded.ports import free_port

log = logging.getLogger(__name__)

SERVER_SCRIPT = "secantusd-py"
# The config file SecantusDB reads, kept in the data folder: passing one stops it from
# picking up a secantusd.toml from the working directory or the home folder.
CONFIG_FILE = "secantusd.toml"
STDERR_TAIL_LINES = 40
PORT_ATTEMPTS = 3

NOT_INSTALLED_MESSAGE = (
    "Le stockage embarqué (SecantusDB) n'est pas installé : installez l'extra « embedded » "
    "(pip install -e '.[embedded]') ou indiquez une base MongoDB avec la variable MONGO_URL."
)

# Runs in the child before the server: asks Linux to send SIGTERM to the child when its
# parent dies, so a platform killed with SIGKILL does not leave a server holding the
# data folder's lock (the next start would then fail with "resource busy"; should the
# server not stop, the next start stops it: see ``embedded.leftover``). The signal is
# tied to the thread that forks, which is the event loop's thread. The setting survives
# execv, so the server itself carries it.
_PARENT_DEATH_LAUNCHER = """\
import ctypes, os, signal, sys
PR_SET_PDEATHSIG = 1
ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
if os.getppid() != int(sys.argv[1]):
    sys.exit(1)  # the parent died before prctl took effect
os.execv(sys.argv[2], sys.argv[2:])
"""


class EmbeddedStoreError(RuntimeError):
    """The embedded store could not be started."""


class EmbeddedStoreNotInstalledError(EmbeddedStoreError):
    """SecantusDB's console script is neither beside the interpreter nor on PATH."""


def find_server_executable() -> Path:
    """SecantusDB's console script: beside the running interpreter first, then on PATH.

    Raises :class:`EmbeddedStoreNotInstalledError` with what to do when it is absent.
    """
    beside = Path(sys.executable).parent / SERVER_SCRIPT
    if beside.is_file():
        return beside
    found = shutil.which(SERVER_SCRIPT)
    if found is None:
        raise EmbeddedStoreNotInstalledError(NOT_INSTALLED_MESSAGE)
    return Path(found).absolute()


class EmbeddedStore(StartStop):
    """A SecantusDB server on a free local port, keeping its data in ``path``.

    Use it as an async context manager; inside, :attr:`url` is a MongoDB URL for
    ``pymongo.AsyncMongoClient``. Data written survives a stop and a start on the same
    folder. Two stores cannot share a folder: the second fails to start.
    """

    def __init__(
        self,
        path: Path,
        *,
        host: str = "127.0.0.1",
        executable: Path | None = None,
        start_timeout: float = 60.0,
        stop_timeout: float = 15.0,
        test_commands: bool = False,
    ) -> None:
        self.path = path
        # mongod's test-only commands (``configureFailPoint``): tests use them to make
        # the store itself fail a command; never on for the platform.
        self._test_commands = test_commands
        self.host = host
        self._executable = executable
        self._start_timeout = start_timeout
        self._stop_timeout = stop_timeout
        self._port: int | None = None
        self._process: asyncio.subprocess.Process | None = None
        self._output_reader: asyncio.Task[None] | None = None
        self._output_tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)
        self._ready = False

    @property
    def port(self) -> int:
        """The port the server listens on; only while started."""
        if self._port is None or self._process is None:
            raise RuntimeError("the embedded store is not started")
        return self._port

    @property
    def url(self) -> str:
        """MongoDB URL of the running server.

        ``retryWrites=false``: with retryable writes SecantusDB slows tenfold after
        about 10,000 writes (measured, see DESIGN.md).
        """
        return f"mongodb://{self.host}:{self.port}/?directConnection=true&retryWrites=false"

    @property
    def pid(self) -> int | None:
        """Process id of the server while it runs, else None."""
        if self._process is None or self._process.returncode is not None:
            return None
        return self._process.pid

    async def start(self) -> None:
        """Start the server and return once it answers a ``ping``."""
        if self._process is not None:
            raise RuntimeError("the embedded store is already started")
        executable = self._executable or find_server_executable()
        if not executable.is_file():
            raise EmbeddedStoreNotInstalledError(NOT_INSTALLED_MESSAGE)
        self.path.mkdir(parents=True, exist_ok=True)
        config = self.path / CONFIG_FILE
        if not config.exists():
            config.write_text("# Options of the embedded SecantusDB; flags override them.\n")
        await leftover.reclaim(self.path, config)
        for attempt in range(1, PORT_ATTEMPTS + 1):
            self._port = free_port(self.host)
            await self._spawn(executable, config)
            try:
                await self._wait_until_ready()
            except _PortTakenError:
                # Someone bound the port between our probe and the server's bind.
                message = self._died_message()
                await self._reap()
                if attempt == PORT_ATTEMPTS:
                    raise EmbeddedStoreError(message) from None
                continue
            except BaseException:
                await self._terminate()
                raise
            self._ready = True
            if (server := self.pid) is not None:
                leftover.record(self.path, server)
            log.info("embedded store ready on port %s with data in %s", self._port, self.path)
            return

    async def stop(self) -> None:
        """Stop the server: SIGTERM, then SIGKILL if it is still running after the bound."""
        process = self._process
        if process is None:
            return
        if process.returncode not in (None, 0):
            log.warning("embedded store had exited by itself with code %s", process.returncode)
        await self._terminate()
        leftover.forget(self.path)

    async def _terminate(self) -> None:
        process = self._process
        if process is None:
            return
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
            try:
                await asyncio.wait_for(process.wait(), self._stop_timeout)
            except TimeoutError:
                log.warning(
                    "embedded store did not stop within %ss; killing it", self._stop_timeout
                )
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
        await self._reap()

    async def _spawn(self, executable: Path, config: Path) -> None:
        arguments = [
            str(executable),
            "--config",
            str(config),
            "--host",
            self.host,
            "--port",
            str(self._port),
            "--storage-path",
            str(self.path),
            "--log-level",
            "WARNING",
        ]
        if self._test_commands:
            arguments.append("--enable-test-commands")
        if sys.platform == "linux":
            arguments = [
                sys.executable,
                "-c",
                _PARENT_DEATH_LAUNCHER,
                str(os.getpid()),
                *arguments,
            ]
        self._output_tail.clear()
        self._ready = False
        self._process = await asyncio.create_subprocess_exec(
            *arguments,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            # Its own session: Ctrl-C in a terminal reaches the platform only, which
            # then stops the store after its own shutdown, still able to write.
            start_new_session=True,
        )
        self._output_reader = asyncio.create_task(self._read_output(self._process))

    async def _read_output(self, process: asyncio.subprocess.Process) -> None:
        # The pipe must be drained or the server blocks once it is full. The lines are
        # kept for the error message of a failed start, and once the store is ready
        # (it only writes warnings and errors) forwarded to the platform's log.
        assert process.stdout is not None
        async for raw in process.stdout:
            line = raw.decode("utf-8", "replace").rstrip()
            if line:
                self._output_tail.append(line)
                if self._ready:
                    log.warning("secantusd: %s", line)

    async def _wait_until_ready(self) -> None:
        assert self._process is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._start_timeout
        client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
            f"mongodb://{self.host}:{self._port}/?directConnection=true",
            serverSelectionTimeoutMS=250,
            connectTimeoutMS=250,
        )
        try:
            while True:
                if self._process.returncode is not None:
                    await self._collect_output()
                    if any("Address already in use" in line for line in self._output_tail):
                        raise _PortTakenError
                    raise EmbeddedStoreError(self._died_message())
                with contextlib.suppress(PyMongoError):
                    await client.admin.command("ping")
                    return
                if loop.time() > deadline:
                    raise EmbeddedStoreError(
                        f"Le stockage embarqué (SecantusDB) ne répond pas après "
                        f"{self._start_timeout:g} s sur le port {self._port}."
                    )
        finally:
            await client.close()

    async def _collect_output(self) -> None:
        if self._output_reader is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._output_reader), 5.0)

    async def _reap(self) -> None:
        if self._process is not None:
            await self._process.wait()
        await self._collect_output()
        self._process = None
        self._output_reader = None
        self._ready = False

    def _died_message(self) -> str:
        code = self._process.returncode if self._process is not None else None
        tail = "\n".join(self._output_tail) or "(aucune sortie)"
        hint = ""
        if any("already being managed by another process" in line for line in self._output_tail):
            hint = (
                " Un autre serveur utilise déjà ce dossier : une autre instance de la "
                "plateforme tourne-t-elle encore ?"
            )
        return (
            f"Le stockage embarqué (SecantusDB) s'est arrêté au démarrage (code {code}) "
            f"avec les données dans {self.path}.{hint} Fin de sa sortie :\n{tail}"
        )


class _PortTakenError(Exception):
    """The server could not bind the port it was given."""
