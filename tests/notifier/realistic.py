"""One email of every template as a real deployment sends it: its own domain, links on
its public address, DKIM-signed. For the checks that mail filters would make."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage

from services.notifier.dkim import load_signer
from services.notifier.domain import Occurrence, plan
from services.notifier.render import Recipient, Renderer
from services.notifier.unsubscribe import UnsubscribeLinks
from shared.events import Event
from shared.settings import Settings
from tests.notifier import dkim_keys, samples
from tests.notifier.samples import (
    OCCURRED_AT,
)

PUBLIC_URL = "https://ambassadeurs.prochorientation.fr"
MAIL_DOMAIN = "prochorientation.fr"
RELAY_DOMAIN = "relais.prochorientation.fr"
MAIL_FROM = f"Proch'Orientation <ne-pas-repondre@{MAIL_DOMAIN}>"
BOUNCE_ADDRESS = f"bounces@{MAIL_DOMAIN}"
# The notifier keeps its key in its database; a fixed one renders the same links here.
LINKS = UnsubscribeLinks(PUBLIC_URL, key=b"unsubscribe-key-of-the-tests-32b")
_SAMPLE_URL = "http://127.0.0.1:8080"


@dataclass(frozen=True)
class SentEmail:
    """One rendered email: its template, the bytes sent, and the message read back."""

    template: str
    raw: bytes
    envelope_from: str

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


def deployed(event: Event) -> Event:
    """``event`` as a deployment on its own domain would publish it."""
    text = event.model_dump_json()
    text = text.replace(_SAMPLE_URL, PUBLIC_URL).replace("relay.localhost", RELAY_DOMAIN)
    return type(event).model_validate_json(text)


def one_email_per_template(*, signed: bool = True) -> dict[str, SentEmail]:
    """The first email of every template among the sample events."""
    unsigned = {"dkim_domain": None, "dkim_selector": None, "dkim_private_key": None}
    settings = Settings(**(dkim_keys.settings() if signed else unsigned))
    renderer = Renderer(
        public_url=PUBLIC_URL,
        mail_from=MAIL_FROM,
        signer=load_signer(settings),
        bounce_address=BOUNCE_ADDRESS,
        links=LINKS,
    )
    occurrence = Occurrence(event_id="evt-1", occurred_at=OCCURRED_AT, public_url=PUBLIC_URL)
    found: dict[str, SentEmail] = {}
    for event in samples.every_event():
        for outgoing in plan(deployed(event), occurrence):
            if outgoing.template in found:
                continue
            if outgoing.address is not None:
                recipient = Recipient(outgoing.address, outgoing.first_name)
            else:
                assert outgoing.user_id is not None
                recipient = samples.RECIPIENTS[outgoing.user_id]
            rendered = renderer.render(outgoing, recipient, now=OCCURRED_AT)
            found[outgoing.template] = SentEmail(
                outgoing.template, rendered.mime, rendered.envelope_from
            )
    return found
