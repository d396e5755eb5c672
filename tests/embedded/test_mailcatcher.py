"""The mail catcher: real mails over SMTP, read back in the browser pages and the JSON API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

import aiohttp
import aiosmtplib
import pytest
import pytest_asyncio
from aiohttp import web

from embedded.mail_web import mail_web_app
from embedded.mailcatcher import MailCatcher
from tests.fixtures.http import served

ACTIVATION_LINK = "http://127.0.0.1:8080/activer?token=Zx81-abc_def"
# Not ASCII: travels encoded (RFC 2047) and must be shown decoded.
SOLICITATION_SUBJECT = "Nouvelle sollicitation : mardi 8 décembre à 10 h"


@dataclass
class MailBox:
    """A running catcher and its pages, mounted at /dev/mail as in the platform."""

    catcher: MailCatcher
    http: aiohttp.ClientSession
    base_url: str

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    async def send(self, message: EmailMessage, recipients: list[str] | None = None) -> None:
        await aiosmtplib.send(
            message, hostname="127.0.0.1", port=self.catcher.port, recipients=recipients
        )


@pytest_asyncio.fixture
async def mailbox(tmp_path: Path) -> AsyncIterator[MailBox]:
    async with MailCatcher(tmp_path / "mail") as catcher:
        root = web.Application()
        root.add_subapp("/dev/mail", mail_web_app(catcher))
        async with served(web.AppRunner(root)) as base, aiohttp.ClientSession() as http:
            yield MailBox(catcher, http, base)


def first_tag(page: str, tag: str) -> dict[str, str] | None:
    """Attributes of the first ``tag`` element of an HTML page."""
    found: list[dict[str, str]] = []

    class Finder(HTMLParser):
        def handle_starttag(self, name: str, attrs: list[tuple[str, str | None]]) -> None:
            if name == tag and not found:
                found.append({key: value or "" for key, value in attrs})

    Finder().feed(page)
    return found[0] if found else None


def confirmation_mail(to: str = "camille.martin@exemple.fr", subject: str = "") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Proch'Orientation <ne-pas-repondre@prochorientation.localhost>"
    message["To"] = f"Camille Martin <{to}>"
    message["Subject"] = subject or "Activez votre compte Proch'Orientation"
    message.set_content(f"Bonjour Camille,\n\nActivez votre compte : {ACTIVATION_LINK}\n")
    message.add_alternative(
        "<html><head><title>Activation</title></head><body>"
        f'<p>Bonjour Camille,</p><p><a href="{ACTIVATION_LINK}">Activer mon compte</a></p>'
        "<script>document.title = 'piraté'</script></body></html>",
        subtype="html",
    )
    return message


async def test_sent_mail_is_in_the_json_api_with_its_text_html_and_link(mailbox: MailBox) -> None:
    await mailbox.send(confirmation_mail())

    async with mailbox.http.get(
        mailbox.url("/dev/mail/api/messages"), params={"to": "camille.martin@exemple.fr"}
    ) as response:
        listed = await response.json()
    [summary] = listed["items"]
    async with mailbox.http.get(mailbox.url(f"/dev/mail/api/messages/{summary['id']}")) as response:
        mail = await response.json()

    assert summary["subject"] == "Activez votre compte Proch'Orientation"
    assert summary["to"] == ["camille.martin@exemple.fr"]
    assert mail["text"] == f"Bonjour Camille,\n\nActivez votre compte : {ACTIVATION_LINK}\n"
    assert "Activer mon compte" in mail["html"]
    assert mail["links"] == [ACTIVATION_LINK]
    assert {"name": "Subject", "value": "Activez votre compte Proch'Orientation"} in mail["headers"]


async def test_recipient_filter_lists_only_their_mails_bcc_included(mailbox: MailBox) -> None:
    await mailbox.send(confirmation_mail(to="camille.martin@exemple.fr"))
    # A blind copy: the address is only in the SMTP envelope, not in the headers.
    await mailbox.send(
        confirmation_mail(
            to="l.dubois@college-exemple.fr",
            subject=SOLICITATION_SUBJECT,
        ),
        recipients=["l.dubois@college-exemple.fr", "referent.nord@exemple.fr"],
    )

    async with mailbox.http.get(
        mailbox.url("/dev/mail/api/messages"), params={"to": "Referent.Nord@exemple.fr"}
    ) as response:
        for_referent = (await response.json())["items"]
    async with mailbox.http.get(mailbox.url("/dev/mail/api/messages")) as response:
        everything = (await response.json())["items"]

    assert [mail["subject"] for mail in for_referent] == [SOLICITATION_SUBJECT]
    assert [mail["subject"] for mail in everything] == [
        SOLICITATION_SUBJECT,
        "Activez votre compte Proch'Orientation",
    ]


async def test_subject_cannot_inject_html_into_the_pages(mailbox: MailBox) -> None:
    await mailbox.send(confirmation_mail(subject="<img src=x onerror=alert(1)> Bienvenue"))
    mail = await mailbox.catcher.wait_for_message(to="camille.martin@exemple.fr")

    async with mailbox.http.get(mailbox.url("/dev/mail/")) as response:
        listing = await response.text()
    async with mailbox.http.get(mailbox.url(f"/dev/mail/messages/{mail.id}")) as response:
        page = await response.text()

    for html in (listing, page):
        assert "&lt;img src=x onerror=alert(1)&gt; Bienvenue" in html
        assert "<img src=x" not in html


async def test_link_of_the_mail_is_clickable_and_its_scripts_never_run(mailbox: MailBox) -> None:
    await mailbox.send(confirmation_mail())
    mail = await mailbox.catcher.wait_for_message(to="camille.martin@exemple.fr")

    async with mailbox.http.get(mailbox.url(f"/dev/mail/messages/{mail.id}")) as response:
        page = await response.text()
    frame = first_tag(page, "iframe")
    assert frame is not None, "the HTML part is shown in a frame"
    async with mailbox.http.get(mailbox.url(frame["src"])) as response:
        html_part = await response.text()
        policy = response.headers["Content-Security-Policy"]

    # The text part's link is a link in the page itself.
    assert f'<a href="{ACTIVATION_LINK}">{ACTIVATION_LINK}</a>' in page
    # The HTML part: its link opens in the whole tab, on a click...
    assert "allow-top-navigation-by-user-activation" in frame["sandbox"].split()
    assert '<base target="_top">' in html_part
    assert f'href="{ACTIVATION_LINK}"' in html_part
    # ...and its script cannot run, in the frame or opened on its own.
    assert "allow-scripts" not in frame["sandbox"]
    assert policy.startswith("sandbox ")
    assert "allow-scripts" not in policy
    assert "script-src" not in policy  # default-src 'none' applies


async def test_mails_are_still_listed_after_a_restart(tmp_path: Path) -> None:
    folder = tmp_path / "mail"
    async with MailCatcher(folder) as catcher:
        await aiosmtplib.send(
            confirmation_mail(),
            hostname="127.0.0.1",
            port=catcher.port,
            recipients=["camille.martin@exemple.fr", "copie.cachee@exemple.fr"],
        )
        before = await catcher.wait_for_message(to="camille.martin@exemple.fr")

    async with MailCatcher(folder) as catcher:
        [after] = catcher.messages(to="copie.cachee@exemple.fr")
        content = await catcher.read(after)

    assert after == before
    assert content.links == (ACTIVATION_LINK,)


async def test_delete_all_empties_the_list_and_the_folder(mailbox: MailBox) -> None:
    await mailbox.send(confirmation_mail())
    await mailbox.catcher.wait_for_message()

    async with mailbox.http.post(mailbox.url("/dev/mail/delete-all")) as response:
        assert response.status == 200  # followed the redirection to the list
        listing = await response.text()

    assert "Aucun courriel pour l'instant" in listing
    assert list(mailbox.catcher.folder.glob("*.eml")) == []


async def test_unknown_mail_answers_404_with_a_french_error(mailbox: MailBox) -> None:
    async with mailbox.http.get(mailbox.url("/dev/mail/api/messages/0123456789abcdef")) as response:
        status, body = response.status, await response.json()
    async with mailbox.http.get(mailbox.url("/dev/mail/messages/0123456789abcdef")) as response:
        page_status, page = response.status, await response.text()

    assert status == 404
    assert body == {
        "error": {
            "code": "mail_not_found",
            "message": "Ce courriel n'existe pas ou a été supprimé.",
        }
    }
    assert page_status == 404
    assert "Courriel introuvable" in page


async def test_mount_point_without_slash_leads_to_the_list(mailbox: MailBox) -> None:
    async with mailbox.http.get(mailbox.url("/dev/mail")) as response:
        assert response.status == 200
        assert str(response.url).endswith("/dev/mail/")
        assert "Courriels envoyés par la plateforme" in await response.text()


async def test_waiting_for_a_mail_that_never_comes_names_what_was_caught(
    mailbox: MailBox,
) -> None:
    await mailbox.send(confirmation_mail())
    await mailbox.catcher.wait_for_message()

    with pytest.raises(TimeoutError) as failure:
        await mailbox.catcher.wait_for_message(to="personne@exemple.fr", timeout=0.2)

    assert "Activez votre compte Proch'Orientation" in str(failure.value)
