"""Accounts, notifier and agenda together, with a real SMTP server: a solicitation's life.

People join through accounts' HTTP API (sign-up, the link in the email, log-in, the
criminal-record check by the admin); agenda learns about them from accounts' events
only. The emails are the ones a real SMTP server received.
"""

from __future__ import annotations

import functools
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from icalendar import Calendar

from services.accounts.app import create_app as accounts_app
from services.agenda.app import create_app as agenda_app
from tests.accounts.conftest import (
    ADMIN,
    LINK,
    PASSWORD,
    Client,
    ambassador,
    fast_options,
    pdf_form,
    staff,
    token_of,
)
from tests.agenda.conftest import MovableClock, brief, fast_agenda, in_days
from tests.fixtures.platform import ServiceFactory, running
from tests.fixtures.rabbit import wait_until
from tests.fixtures.smtp import ReceivedMail, SmtpServer
from tests.notifier.conftest import notifier

AMBASSADOR_EMAIL = "elodie.martin@example.org"
TEACHER_EMAIL = "paul.lefebvre@ac-lille.fr"


async def _join(client: Client, smtp: SmtpServer, path: str, body: dict[str, Any]) -> str:
    """Sign up, follow the link of the email, log in: the access token."""
    email = body["email"]
    signed = await client.call("POST", path, json=body)
    assert signed.status == 201, signed.body
    [welcome] = await smtp.wait_for(1, to=email)
    [link] = [link for link in LINK.findall(welcome.text()) if "/activer?token=" in link]
    confirmed = await client.call(
        "POST", "/confirmations", json={"token": token_of(link), "password": PASSWORD}
    )
    assert confirmed.status == 200, confirmed.body
    return await client.token(email)


async def _mail(smtp: SmtpServer, to: str, subject: str) -> ReceivedMail:
    """The email to ``to`` whose subject starts with ``subject``, once it arrived."""

    def found() -> list[ReceivedMail]:
        return [m for m in smtp.to(to) if str(m.message["Subject"]).startswith(subject)]

    await wait_until(lambda: bool(found()), within=15, what=f"« {subject} » to {to}")
    [mail] = found()
    return mail


def _invitation(mail: ReceivedMail) -> Calendar:
    message: EmailMessage = mail.message
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return Calendar.from_ical(part.get_content())


async def test_solicitation_email_reaches_the_ambassador_and_calendars_follow_the_appointment(
    make_settings: Any, smtp_server: SmtpServer
) -> None:
    settings = make_settings(**ADMIN, **smtp_server.settings())
    services: dict[str, ServiceFactory] = {
        "accounts": functools.partial(accounts_app, options=fast_options()),
        "notifier": notifier(),
        "agenda": functools.partial(agenda_app, options=fast_agenda(), clock=MovableClock()),
    }
    async with running(settings, services) as run:
        accounts = Client(run)

        async def agenda(
            method: str, path: str, token: str, json: Any = None
        ) -> tuple[int, dict[str, Any]]:
            async with run.http.request(
                method,
                run.url(f"/api/agenda{path}"),
                json=json,
                headers={"Authorization": f"Bearer {token}"},
            ) as response:
                return response.status, dict(await response.json())

        elodie = await _join(
            accounts,
            smtp_server,
            "/ambassadors",
            ambassador(
                email=AMBASSADOR_EMAIL,
                zone={"departments": ["59"], "bassins": []},
                interventions=["class_presentation", "event"],
            ),
        )
        me = await accounts.call("GET", "/me", token=elodie)
        elodie_id = str(me.body["id"])
        uploaded = await accounts.call("POST", "/me/criminal-record", token=elodie, data=pdf_form())
        assert uploaded.status == 202, uploaded.body
        decided = await accounts.call(
            "POST",
            f"/ambassadors/{elodie_id}/criminal-record/decision",
            token=await accounts.admin_token(),
            json={"decision": "verified", "note": "Extrait vierge"},
        )
        assert decided.status == 200, decided.body
        paul = await _join(accounts, smtp_server, "/staff", staff(email=TEACHER_EMAIL))

        starts = in_days(9, hour=14)
        body = brief(elodie_id, starts)

        created: dict[str, str] = {}

        async def solicited() -> bool:
            # Agenda learns that Élodie is verified from accounts' events, shortly after.
            status, answer = await agenda("POST", "/solicitations", paul, json=body)
            assert status in (201, 422), answer
            created.update(answer if status == 201 else {})
            return status == 201

        await wait_until(solicited, what="agenda to know that the ambassador is verified")
        appointment_id = created["id"]

        email = await _mail(smtp_server, AMBASSADOR_EMAIL, "Nouvelle sollicitation")
        text = email.text()
        day = f"{starts.day}" if starts.day > 1 else "1er"
        assert day in email.message["Subject"]
        assert "14 h 00" in text
        assert "Lycée Faidherbe" in text
        assert "Paul L." in text
        assert TEACHER_EMAIL not in email.raw.decode(errors="replace")

        status, accepted = await agenda("POST", f"/appointments/{appointment_id}/accept", elodie)
        assert status == 200, accepted
        accepted_mail = await _mail(smtp_server, TEACHER_EMAIL, "Élodie M. a accepté")
        invitation = _invitation(accepted_mail)
        [event] = invitation.walk("VEVENT")
        assert str(invitation["METHOD"]) == "REQUEST"
        assert str(event["UID"]) == f"{appointment_id}@agenda.prochorientation"
        assert int(str(event["SEQUENCE"])) == 0
        assert event.decoded("DTSTART") == starts
        assert AMBASSADOR_EMAIL not in accepted_mail.raw.decode(errors="replace")

        status, cancelled = await agenda(
            "POST", f"/appointments/{appointment_id}/cancel", elodie, json={"reason": "Malade"}
        )
        assert status == 200, cancelled
        cancelled_mail = await _mail(smtp_server, TEACHER_EMAIL, "Intervention annulée")
        cancellation = _invitation(cancelled_mail)
        [removed] = cancellation.walk("VEVENT")
        assert str(cancellation["METHOD"]) == "CANCEL"
        assert str(removed["UID"]) == str(event["UID"])
        assert int(str(removed["SEQUENCE"])) == 1
        assert "Malade" in cancelled_mail.text()
        assert removed.decoded("DTSTART") - starts == timedelta(0)
