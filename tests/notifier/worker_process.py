"""A delivery worker in a process of its own, for tests that kill it mid-batch.

``python -m tests.notifier.worker_process MONGO_URL DATABASE SMTP_PORT BATCH_SIZE [forever]``
claims one batch of due records and sends it, as a notifier replica would; with
``forever``, it delivers until killed, polling like a replica with the default lease
(``NOTIFIER_LEASE_SECONDS``) and its heartbeat.
"""

from __future__ import annotations

import asyncio
import sys

from services.notifier.sender import SmtpSender
from services.notifier.settings import NotifierSettings
from services.notifier.store import NotifierStore
from services.notifier.worker import DeliveryWorker
from shared.mongo import connect
from shared.settings import Settings
from tests.notifier.conftest import fast_delivery


async def main(mongo_url: str, database: str, smtp_port: int, batch_size: int, mode: str) -> None:
    settings = Settings(smtp_host="127.0.0.1", smtp_port=smtp_port, log_json=False)
    client = connect(mongo_url, app_name="worker-process")
    try:
        store = NotifierStore(client[database])
        if mode == "forever":
            replica = fast_delivery(
                batch_size=batch_size,
                lease_seconds=NotifierSettings().lease_seconds,
                poll_seconds=0.5,
            )
            await DeliveryWorker(store, SmtpSender(settings, timeout=30), replica).run()
            return
        worker = DeliveryWorker(
            store, SmtpSender(settings, timeout=30), fast_delivery(batch_size=batch_size)
        )
        await worker.run_once()
    finally:
        await client.close()


if __name__ == "__main__":
    url, name, port, size = sys.argv[1:5]
    asyncio.run(main(url, name, int(port), int(size), (sys.argv[5:] or ["once"])[0]))
