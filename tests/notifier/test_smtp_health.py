"""``/health`` tells whether the SMTP server can be reached: a real server stopped,
then started again on the same port."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.settings import Settings
from tests.fixtures.platform import RunningPlatform, running
from tests.fixtures.rabbit import wait_until
from tests.fixtures.smtp import SmtpServer
from tests.notifier import samples
from tests.notifier.conftest import fast_delivery, notifier, publish_all

MakeSettings = Callable[..., Settings]


async def health(run: RunningPlatform) -> tuple[int, dict[str, Any]]:
    async with run.http.get(run.url("/api/notifier/health")) as answer:
        return answer.status, await answer.json()


async def test_health_is_degraded_while_smtp_is_down_with_the_time_since_the_last_send(
    make_settings: MakeSettings, smtp_server: SmtpServer
) -> None:
    config = fast_delivery(smtp_probe_seconds=0.2)
    async with running(
        make_settings(**smtp_server.settings()), {"notifier": notifier(config)}
    ) as run:
        await publish_all(run.platform, [samples.registered("u-1", "avant@exemple.fr")])
        await smtp_server.wait_for(1, to="avant@exemple.fr")
        status, before = await health(run)

        smtp_server.stop()
        await publish_all(run.platform, [samples.registered("u-2", "pendant@exemple.fr")])

        async def degraded() -> bool:
            return bool((await health(run))[1]["status"] == "degraded")

        await wait_until(degraded, within=30, what="health degraded")
        down_status, down = await health(run)

        smtp_server.start()

        async def ok() -> bool:
            return bool((await health(run))[1]["status"] == "ok")

        await wait_until(ok, within=30, what="health ok again")
        back_status, back = await health(run)
        # The email queued during the outage goes out once the server is back.
        await smtp_server.wait_for(1, to="pendant@exemple.fr", within=30)

    assert status == 200
    assert before["status"] == "ok"
    assert before["checks"]["smtp"]["ok"] is True
    # Still 200: the notifier queues emails meanwhile; the state says what is wrong.
    assert down_status == 200
    smtp = down["checks"]["smtp"]
    assert smtp["ok"] is False
    assert smtp["last_error"] == "smtp_connection_failed"
    assert smtp["unreachable_since"] is not None
    assert smtp["seconds_since_last_success"] >= 0
    assert smtp["last_success_at"] is not None
    assert back_status == 200
    assert back["checks"]["smtp"]["ok"] is True
    assert back["checks"]["smtp"]["unreachable_since"] is None
