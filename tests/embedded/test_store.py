"""The embedded store: SecantusDB as a child process keeping its data in a folder."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
from pymongo import AsyncMongoClient

from embedded.store import EmbeddedStore, EmbeddedStoreError, EmbeddedStoreNotInstalledError

pytestmark = pytest.mark.timeout(90)


def process_running(pid: int) -> bool:
    """Whether ``pid`` is a live process; a zombie waiting to be reaped is not (Linux)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


async def test_data_written_survives_a_stop_and_start_on_the_same_folder(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    async with EmbeddedStore(folder) as store:
        client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(store.url)
        await client.accounts.users.insert_one({"email": "camille.martin@exemple.fr"})
        await client.close()

    async with EmbeddedStore(folder) as store:
        client = AsyncMongoClient(store.url)
        found = await client.accounts.users.find_one({}, {"_id": 0})
        await client.close()

    assert found == {"email": "camille.martin@exemple.fr"}


async def test_server_process_is_gone_once_the_store_is_closed(tmp_path: Path) -> None:
    async with EmbeddedStore(tmp_path / "store") as store:
        pid = store.pid
        assert pid is not None
        assert process_running(pid)
        assert "retryWrites=false" in store.url

    assert not process_running(pid)
    assert store.pid is None


async def test_second_store_on_a_folder_in_use_fails_and_says_why(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    async with EmbeddedStore(folder):
        with pytest.raises(EmbeddedStoreError) as failure:
            async with EmbeddedStore(folder):
                pass

    message = str(failure.value)
    assert "Un autre serveur utilise déjà ce dossier" in message
    # The tail of the server's own output is part of the message.
    assert "already being managed by another process" in message


async def test_missing_server_says_to_install_the_extra_or_set_mongo_url(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store", executable=tmp_path / "absent" / "secantusd-py")

    with pytest.raises(EmbeddedStoreNotInstalledError) as failure:
        await store.start()

    assert "embedded" in str(failure.value)
    assert "MONGO_URL" in str(failure.value)


async def _platform_with_a_store(folder: Path) -> tuple[asyncio.subprocess.Process, int]:
    """A platform process that starts a store and writes a user (journaled), then
    waits: the platform and its server's pid."""
    platform = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import asyncio, sys\n"
        "from pathlib import Path\n"
        "from pymongo import AsyncMongoClient, WriteConcern\n"
        "from embedded.store import EmbeddedStore\n"
        "async def main():\n"
        "    async with EmbeddedStore(Path(sys.argv[1])) as store:\n"
        "        client = AsyncMongoClient(store.url)\n"
        "        journaled = WriteConcern(j=True)\n"
        "        users = client.accounts.get_collection('users', write_concern=journaled)\n"
        "        await users.insert_one({'email': 'camille.martin@exemple.fr'})\n"
        "        print(store.pid, flush=True)\n"
        "        await asyncio.Event().wait()\n"
        "asyncio.run(main())\n",
        str(folder),
        stdout=asyncio.subprocess.PIPE,
        cwd=Path(__file__).parents[2],
    )
    assert platform.stdout is not None
    async with asyncio.timeout(60):
        server_pid = int(await platform.stdout.readline())
    assert process_running(server_pid)
    return platform, server_pid


async def _users_in(store: EmbeddedStore) -> list[dict[str, object]]:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(store.url)
    try:
        return await client.accounts.users.find({}, {"_id": 0}).to_list()
    finally:
        await client.close()


@pytest.mark.skipif(sys.platform != "linux", reason="parent-death signal is Linux-only")
@pytest.mark.parametrize("stuck", [False, True], ids=["stopping-by-itself", "stuck"])
async def test_killed_platform_does_not_leave_the_server_holding_the_folder(
    tmp_path: Path, stuck: bool
) -> None:
    folder = tmp_path / "store"
    platform, server_pid = await _platform_with_a_store(folder)
    if stuck:
        # Frozen, it cannot act on the parent-death signal: like a server stuck in its stop.
        os.kill(server_pid, signal.SIGSTOP)

    platform.send_signal(signal.SIGKILL)
    await platform.wait()
    still_there = process_running(server_pid)

    # Started at once: the orphan is stopping by itself, or is stopped for it.
    async with EmbeddedStore(folder) as store:
        users = await _users_in(store)
        assert not process_running(server_pid)
    assert users == [{"email": "camille.martin@exemple.fr"}]
    if stuck:
        assert still_there  # so it was this start that stopped it
