"""Every email, rendered from a sample event: what the person reads, in French."""

from __future__ import annotations

import email
import email.policy
import html
import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import icalendar
import pytest

from services.notifier.domain import Occurrence, OutgoingEmail, plan
from services.notifier.domain.choices import ALWAYS_SENT, DECLINABLE
from services.notifier.render import Recipient, Renderer
from shared.contracts.accounts import UserDeleted
from shared.contracts.agenda import AppointmentCancelled, AppointmentRefused, SolicitationCreated
from shared.events import Event
from shared.french import datetime_fr, duration_fr, wait_fr
from tests.notifier import realistic, samples
from tests.notifier.samples import (
    AMBASSADOR_EMAIL,
    AMBASSADOR_ID,
    CONFIRMATION_URL,
    EMAIL_CHANGE_URL,
    OCCURRED_AT,
    REFERENT_EMAIL,
    REFERENT_ID,
    REQUESTER_EMAIL,
    REQUESTER_ID,
    RESET_URL,
)

PUBLIC_URL = "http://127.0.0.1:8080"
RENDERER = Renderer(
    public_url=PUBLIC_URL,
    mail_from="Proch'Orientation <ne-pas-repondre@prochorientation.localhost>",
)
TEMPLATES = Path(__file__).resolve().parents[2] / "services" / "notifier" / "templates"


class Mail:
    """One rendered email, parsed back from its bytes as a mail client would."""

    def __init__(self, outgoing: OutgoingEmail, recipient: Recipient) -> None:
        self.outgoing = outgoing
        self.recipient = recipient
        rendered = RENDERER.render(outgoing, recipient, now=OCCURRED_AT)
        self.raw = rendered.mime
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.message = parsed

    @property
    def template(self) -> str:
        return self.outgoing.template

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, kind: str) -> str:
        body = self.message.get_body(preferencelist=(kind,))
        assert body is not None, f"no {kind} part"
        # The wire form ends lines with CRLF; a reader sees plain lines.
        return str(body.get_content()).replace("\r\n", "\n")

    @property
    def text(self) -> str:
        return self.part("plain")

    @property
    def html(self) -> str:
        return self.part("html")

    def calendar(self) -> icalendar.Calendar | None:
        for part in self.message.walk():
            if part.get_content_type() == "text/calendar":
                return icalendar.Calendar.from_ical(part.get_content())
        return None

    def decoded(self) -> str:
        """Every header and decoded part, as one text."""
        pieces = [f"{name}: {value}" for name, value in self.message.items()]
        for part in self.message.walk():
            if not part.is_multipart():
                content = part.get_content()
                pieces.append(content.decode() if isinstance(content, bytes) else str(content))
        return "\n".join(pieces)


def mails(event: Event, *, occurred_at: datetime = OCCURRED_AT) -> list[Mail]:
    occurrence = Occurrence(event_id="evt-1", occurred_at=occurred_at, public_url=PUBLIC_URL)
    result = []
    for outgoing in plan(event, occurrence):
        if outgoing.address is not None:
            recipient = Recipient(outgoing.address, outgoing.first_name)
        else:
            assert outgoing.user_id is not None
            recipient = samples.RECIPIENTS[outgoing.user_id]
        result.append(Mail(outgoing, recipient))
    return result


def only(event: Event) -> Mail:
    [mail] = mails(event)
    return mail


def by_template(event: Event) -> dict[str, Mail]:
    return {mail.template: mail for mail in mails(event)}


def flat(text: str) -> str:
    return " ".join(text.split())


# French wording ------------------------------------------------------------------


def test_dates_read_in_french_in_paris_time() -> None:
    assert datetime_fr(samples.STARTS_AT) == "mardi 3 mars 2026 à 14 h 00"
    # Summer time: UTC+2, and the first of the month is "1er".
    assert (
        datetime_fr(datetime(2026, 7, 1, 7, 5, tzinfo=UTC)) == "mercredi 1er juillet 2026 à 9 h 05"
    )
    # Late evening in UTC is already the next day in Paris.
    assert (
        datetime_fr(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
        == "vendredi 1er janvier 2027 à 0 h 30"
    )


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (43_200, "12 heures"),
        (300, "5 minutes"),
        (60, "1 minute"),
        (3_600, "1 heure"),
        (5_400, "1 h 30"),
        (2 * 86_400, "2 jours"),
        # A link's life counted from a timestamp a few milliseconds off.
        (43_199.996, "12 heures"),
    ],
)
def test_durations_read_in_french(seconds: float, words: str) -> None:
    assert duration_fr(seconds) == words


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (1, "1 minute"),
        (61, "2 minutes"),
        (150, "3 minutes"),
        (3_570, "1 heure"),
        (3_600, "1 heure"),
    ],
)
def test_a_wait_is_never_told_shorter_than_it_is(seconds: float, words: str) -> None:
    assert wait_fr(seconds) == words


# one check per email ---------------------------------------------------------------


def test_every_template_is_rendered_by_some_event_with_text_and_html() -> None:
    rendered = [mail for event in samples.every_event() for mail in mails(event)]
    names = {path.name.split(".")[0] for path in TEMPLATES.glob("*.j2")}
    expected = {name for name in names if not name.startswith("_")}
    assert {mail.template for mail in rendered} == expected
    for mail in rendered:
        assert mail.subject.strip(), mail.template
        assert "Proch'Orientation" in mail.text, mail.template
        assert "Région Hauts-de-France" in mail.html, mail.template
        assert mail.html.startswith("<!DOCTYPE html>"), mail.template
        assert mail.message["To"].addresses[0].addr_spec == mail.recipient.address


def test_account_confirmation_gives_the_link_and_says_it_lasts_12_hours() -> None:
    mail = only(samples.registered(at=OCCURRED_AT))
    assert mail.recipient.address == AMBASSADOR_EMAIL
    assert mail.subject == "Confirmez votre inscription à Proch'Orientation"
    text = flat(mail.text)
    assert text.startswith("Bonjour Zoé,")
    assert CONFIRMATION_URL in text
    assert "valable 12 heures" in text
    assert "Mot de passe perdu" in text
    assert f'href="{CONFIRMATION_URL}"' in mail.html


def test_renewed_confirmation_link_is_one_email_saying_the_old_link_is_void() -> None:
    mail = only(samples.renewed_confirmation(at=OCCURRED_AT))
    assert mail.recipient.address == AMBASSADOR_EMAIL
    assert mail.subject == "Confirmez votre inscription à Proch'Orientation"
    text = flat(mail.text)
    assert "Voici le nouveau lien que vous avez demandé" in text
    assert "le précédent ne fonctionne plus" in text
    assert "Merci de rejoindre" not in text
    assert CONFIRMATION_URL in text
    assert "valable 12 heures" in text
    assert f'href="{CONFIRMATION_URL}"' in mail.html


def test_confirmation_duration_comes_from_the_event_expiry() -> None:
    mail = only(samples.registered(ttl=timedelta(hours=2), at=OCCURRED_AT))
    assert "valable 2 heures" in flat(mail.text)


def test_lost_password_says_5_minutes_and_what_to_do_once_expired() -> None:
    mail = only(samples.every_event()[1])
    text = flat(mail.text)
    assert RESET_URL in text
    assert "n'est valable que 5 minutes" in text
    assert "S'il a expiré, refaites simplement une demande avec « Mot de passe perdu »" in text
    assert f'href="{RESET_URL}"' in mail.html


def test_email_change_confirms_at_the_new_address_and_warns_the_old_one() -> None:
    emails = by_template(samples.every_event()[2])
    confirmation, notice = emails["email_change_confirmation"], emails["email_change_notice"]
    assert confirmation.recipient.address == "zoe.nouvelle@exemple.fr"
    assert EMAIL_CHANGE_URL in confirmation.text
    assert "valable 12 heures" in flat(confirmation.text)
    assert notice.recipient.address == AMBASSADOR_EMAIL
    # The old address learns that a change was asked, not the link nor the full address.
    assert "z***@exemple.fr" in notice.text
    assert "token" not in notice.decoded()
    assert "zoe.nouvelle" not in notice.decoded()


@pytest.mark.parametrize(
    ("index", "template", "recipient", "phrases"),
    [
        (3, "email_changed", "zoe.nouvelle@exemple.fr", ["désormais celle de votre compte"]),
        (4, "password_changed", AMBASSADOR_EMAIL, ["vient d'être modifié", "Mot de passe perdu"]),
        (
            25,
            "sign_in_attacked",
            AMBASSADOR_EMAIL,
            ["20 tentatives de connexion", "moins de 15 minutes", "Mot de passe perdu"],
        ),
        (5, "account_activated", AMBASSADOR_EMAIL, ["est activé", "casier judiciaire"]),
        (6, "account_deleted", AMBASSADOR_EMAIL, ["a été supprimé", "dernier e-mail"]),
        (
            7,
            "criminal_record_decision",
            AMBASSADOR_EMAIL,
            ["n'a pas pu être validé", "vendredi 20 février 2026", "Extrait de plus de trois mois"],
        ),
        (8, "ambassador_suspended", AMBASSADOR_EMAIL, ["est suspendu", "Absences répétées"]),
        (
            19,
            "criminal_record_renewal",
            AMBASSADOR_EMAIL,
            ["valable jusqu'au dimanche 22 mars 2026", "transmettez dès maintenant un extrait"],
        ),
        (
            20,
            "criminal_record_expired",
            AMBASSADOR_EMAIL,
            ["a expiré le vendredi 20 février 2026", "ne peuvent plus vous solliciter"],
        ),
        (
            21,
            "account_inactivity_warning",
            AMBASSADOR_EMAIL,
            ["seront supprimés le dimanche 22 mars 2026", "il suffit de vous connecter"],
        ),
        (9, "ambassador_reinstated", AMBASSADOR_EMAIL, ["suspension", "est levée"]),
        (
            14,
            "appointment_expired",
            REQUESTER_EMAIL,
            ["sans que Zoé M. ait répondu", "mardi 3 mars 2026 à 14 h 00"],
        ),
        (
            15,
            "solicitation_reminder",
            AMBASSADOR_EMAIL,
            ["Paul D. attend toujours votre réponse", "mardi 3 mars 2026 à 14 h 00"],
        ),
    ],
)
def test_single_emails_say_what_happened(
    index: int, template: str, recipient: str, phrases: list[str]
) -> None:
    mail = only(samples.every_event()[index])
    assert mail.template == template
    assert mail.recipient.address == recipient
    text = flat(mail.text)
    for phrase in phrases:
        assert phrase in text, phrase
        assert phrase in flat(html.unescape(mail.html)), phrase


def test_new_solicitation_tells_the_ambassador_everything_to_decide() -> None:
    mail = only(samples.every_event()[10])
    assert mail.recipient.address == AMBASSADOR_EMAIL
    assert mail.subject == "Nouvelle sollicitation : présentation en classe le mardi 3 mars 2026"
    text = flat(mail.text)
    for phrase in [
        "Paul D. vous sollicite",
        "Collège Jean Moulin, Lille",
        "présentation en classe",
        "mardi 3 mars 2026 à 14 h 00",
        "Durée : 45 minutes",
        "en présentiel",
        "3e, 28 élèves",
        "Les métiers de l'aéronautique",
        "Nos élèves de 3e <préparent> leur stage & leur orientation.",
        f"{PUBLIC_URL}/agenda/rendez-vous/apt-42",
    ]:
        assert phrase in text, phrase
    # What the requester typed is shown, never interpreted, in the HTML part.
    assert "&lt;préparent&gt; leur stage &amp; leur orientation" in mail.html
    assert "<préparent>" not in mail.html
    assert f'href="{PUBLIC_URL}/agenda/rendez-vous/apt-42"' in mail.html


def test_online_solicitation_gives_the_link_of_the_visio() -> None:
    event = SolicitationCreated(
        appointment=samples.facts(format="online", online_url="https://visio.exemple.fr/abc"),
        requester_role="referent",
    )
    text = flat(only(event).text)
    assert "à distance (https://visio.exemple.fr/abc)" in text
    assert "(référent territorial)" in text


def test_acceptance_sends_both_sides_an_invitation_naming_only_themselves() -> None:
    emails = by_template(samples.every_event()[11])
    accepted, confirmed = emails["appointment_accepted"], emails["appointment_confirmed"]
    assert accepted.recipient.address == REQUESTER_EMAIL
    assert "Zoé M. a accepté d'intervenir" in flat(accepted.text)
    assert "Avec plaisir !" in accepted.text
    assert confirmed.recipient.address == AMBASSADOR_EMAIL
    for mail, other in ((accepted, AMBASSADOR_EMAIL), (confirmed, REQUESTER_EMAIL)):
        calendar = mail.calendar()
        assert calendar is not None
        assert calendar["METHOD"] == "REQUEST"
        [vevent] = calendar.walk("VEVENT")
        assert str(vevent["UID"]) == "apt-42@prochorientation"
        assert str(vevent["SEQUENCE"]) == "1"
        assert vevent.decoded("DTSTART") == samples.STARTS_AT
        assert vevent.decoded("DURATION") == timedelta(minutes=45)
        assert str(vevent["ATTENDEE"]) == f"mailto:{mail.recipient.address}"
        # One full stop after the other party's initial (« Avec Zoé M. », not « M.. »).
        assert str(vevent["DESCRIPTION"]).startswith(
            "Avec Paul D. Détails" if mail is confirmed else "Avec Zoé M. Détails"
        )
        assert "ne-pas-repondre@prochorientation.localhost" in str(vevent["ORGANIZER"])
        assert other not in mail.decoded()
        attachments = [part.get_filename() for part in mail.message.iter_attachments()]
        assert attachments == ["invitation.ics"]


def test_refusal_carries_the_personal_message_and_the_proposed_slots() -> None:
    mail = only(samples.every_event()[12])
    assert mail.recipient.address == REQUESTER_EMAIL
    text = flat(mail.text)
    assert "Zoé M. ne peut pas assurer l'intervention" in text
    assert "Je suis en déplacement cette semaine-là." in text
    assert "mardi 10 mars 2026 à 9 h 30 (durée : 45 minutes)" in text
    assert "jeudi 12 mars 2026 à 14 h 00 (durée : 1 h 30)" in text
    assert "retenir l'un d'eux" in text


def test_refusal_without_message_nor_slots_says_so_plainly() -> None:
    text = flat(only(AppointmentRefused(appointment=samples.facts())).text)
    assert "Zoé M. n'est pas disponible à cette date." in text
    assert "solliciter un autre ambassadeur" in text


def test_cancellation_of_an_accepted_appointment_removes_it_from_both_calendars() -> None:
    emails = by_template(samples.every_event()[13])
    told, receipt = emails["appointment_cancelled"], emails["appointment_cancellation_receipt"]
    assert told.recipient.address == REQUESTER_EMAIL
    text = flat(told.text)
    assert "annulée par Zoé M." in text
    assert "Un empêchement de dernière minute" in text
    assert "moins de 48 heures" in text
    assert receipt.recipient.address == AMBASSADOR_EMAIL
    for mail in (told, receipt):
        calendar = mail.calendar()
        assert calendar is not None
        assert calendar["METHOD"] == "CANCEL"
        [vevent] = calendar.walk("VEVENT")
        assert str(vevent["UID"]) == "apt-42@prochorientation"
        # Higher than the SEQUENCE of the invitation it cancels.
        assert str(vevent["SEQUENCE"]) == "2"
        assert str(vevent["STATUS"]) == "CANCELLED"
        # Named for what it does: opening it removes the appointment.
        attachments = [part.get_filename() for part in mail.message.iter_attachments()]
        assert attachments == ["annulation.ics"]


def test_cancellation_of_a_pending_solicitation_tells_only_the_other_side() -> None:
    event = AppointmentCancelled(appointment=samples.facts(), cancelled_by="requester")
    mail = only(event)
    assert mail.recipient.address == AMBASSADOR_EMAIL
    assert "annulée par Paul D." in flat(mail.text)
    assert mail.calendar() is None


def test_escalation_goes_to_the_referent_with_suggested_ambassadors() -> None:
    mail = only(samples.every_event()[16])
    assert mail.recipient.address == REFERENT_EMAIL
    text = flat(mail.text)
    assert "adressée à Zoé M., est toujours sans réponse" in text
    assert "Karim B., Technicien de maintenance (Aéronautique)" in text
    assert f"{PUBLIC_URL}/ambassadeurs/amb-2" in text


def test_feedback_is_asked_of_both_sides() -> None:
    emails = mails(samples.every_event()[17])
    assert {mail.recipient.address for mail in emails} == {AMBASSADOR_EMAIL, REQUESTER_EMAIL}
    for mail in emails:
        assert mail.template == "feedback_request"
        assert mail.subject == "Comment s'est passée l'intervention du mardi 3 mars 2026 ?"
        assert f"{PUBLIC_URL}/agenda/rendez-vous/apt-42" in mail.text


def test_relayed_message_is_the_body_with_a_footer_from_the_masked_address() -> None:
    event = samples.relayed()
    mail = only(event)
    message = mail.message
    assert mail.recipient.address == REQUESTER_EMAIL
    [sender] = message["From"].addresses
    assert sender.display_name == "Zoé M. via Proch'Orientation"
    assert sender.addr_spec == "abeille_citron_moulin_zenith_tapis482@relay.localhost"
    assert (
        message["Reply-To"].addresses[0].addr_spec
        == "abeille_citron_moulin_zenith_tapis482@relay.localhost"
    )
    assert message["Message-ID"] == "<msg-3.conv-7@relay.localhost>"
    assert message["In-Reply-To"] == "<msg-2.conv-7@relay.localhost>"
    assert message["References"] == "<msg-1.conv-7@relay.localhost> <msg-2.conv-7@relay.localhost>"
    assert mail.subject == "Re: Intervention au collège Jean Moulin"
    assert mail.text.startswith(event.body)
    assert "répondez simplement à cet e-mail" in flat(mail.text)
    assert "&lt;maquettes&gt; &amp; des photos" in mail.html
    assert "Auto-Submitted" not in message
    assert AMBASSADOR_EMAIL not in mail.decoded()


def test_held_reply_tells_the_real_participant_in_french_without_the_held_text() -> None:
    mail = only(samples.held_reply())

    assert mail.recipient.address == AMBASSADOR_EMAIL
    assert mail.subject == "Un message à votre nom a été retenu"
    text = flat(mail.text)
    assert text.startswith("Bonjour Zoé,")
    assert "Le lundi 2 mars 2026 à 17 h 05, nous avons reçu un e-mail" in text
    assert "« Intervention au collège Jean Moulin »" in text
    assert "(SPF, DKIM, DMARC)" in text
    assert "il n'a pas été transmis à votre interlocuteur" in text
    assert "http://127.0.0.1:8080/messagerie/conv-7" in text
    assert "Si ce n'est pas vous, vous n'avez rien à faire" in text
    assert 'href="http://127.0.0.1:8080/messagerie/conv-7"' in mail.html
    assert mail.message["Auto-Submitted"] == "auto-generated"
    assert "Reply-To" not in mail.message


def test_system_emails_come_from_the_programme_and_ask_for_no_auto_reply() -> None:
    mail = only(samples.registered(at=OCCURRED_AT))
    [sender] = mail.message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (
        "Proch'Orientation",
        "ne-pas-repondre@prochorientation.localhost",
    )
    assert mail.message["Auto-Submitted"] == "auto-generated"
    assert mail.message["Message-ID"].endswith("@prochorientation.localhost>")


def test_deletion_after_inactivity_says_why_instead_of_thanking_for_the_request() -> None:
    deleted = UserDeleted(
        user_id=AMBASSADOR_ID,
        role="ambassador",
        email=AMBASSADOR_EMAIL,
        first_name="Zoé",
        reason="inactivity",
    )
    mail = only(deleted)
    text = flat(mail.text)
    assert "Faute de connexion depuis longtemps" in text
    assert "Comme vous l'avez demandé" not in text
    assert "Faute de connexion depuis longtemps" in flat(html.unescape(mail.html))


def test_partner_contact_is_welcomed_to_their_organization_report() -> None:
    mail = only(samples.activated(role="partner"))
    assert "bilan des interventions de votre organisation" in flat(mail.text)


def test_open_call_invites_each_matching_ambassador_and_says_the_places() -> None:
    emails = mails(samples.every_event()[22])
    assert [mail.recipient.address for mail in emails] == [AMBASSADOR_EMAIL, REFERENT_EMAIL]
    mail = emails[0]
    assert mail.subject == "Appel à ambassadeurs : forum des métiers le mardi 3 mars 2026"
    text = flat(mail.text)
    for phrase in [
        "Paul D. cherche des ambassadeurs",
        "Forum des métiers du collège",
        "mardi 3 mars 2026 à 14 h 00",
        "Places : 2 sur 2",
        "Les premiers à accepter prennent les places",
        "http://127.0.0.1:8080/agenda/appels/call-5",
    ]:
        assert phrase in text, phrase


def test_full_call_tells_those_still_invited_that_every_place_is_taken() -> None:
    mail = only(samples.every_event()[23])
    assert mail.recipient.address == REFERENT_EMAIL
    assert mail.subject == "Complet : Forum des métiers du collège le mardi 3 mars 2026"
    assert "ont été prises par d'autres ambassadeurs" in flat(mail.text)


# what mail filters look at ----------------------------------------------------------

_URL = re.compile(r"""https?://[^\s"'<>)]+""")
_HREF = re.compile(r"""\b(?:href|src|background|action)\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)


def test_every_email_has_date_message_id_mime_version_and_a_text_part() -> None:
    emails = realistic.one_email_per_template()
    again = realistic.one_email_per_template()
    assert set(emails) == {path.name.split(".")[0] for path in TEMPLATES.glob("[!_]*.j2")}
    message_ids = []
    for name, sent in [*emails.items(), *again.items()]:
        message = sent.message
        assert message["Date"].datetime == OCCURRED_AT, name
        assert message["MIME-Version"] == "1.0", name
        message_id = str(message["Message-ID"])
        assert re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", message_id), name
        domain = message_id.strip("<>").rpartition("@")[2]
        # The platform's own domains: its sender's, or its relay's for relayed messages.
        expected = realistic.RELAY_DOMAIN if name == "relayed_message" else realistic.MAIL_DOMAIN
        assert domain == expected, name
        message_ids.append(message_id)
        text = message.get_body(preferencelist=("plain",))
        assert text is not None, name
        assert len(str(text.get_content()).split()) > 10, name
    # Unique: only a relayed message keeps its one id (one recipient, sent once).
    system_ids = [mid for mid in message_ids if realistic.RELAY_DOMAIN not in mid]
    assert len(set(system_ids)) == len(system_ids)


def test_no_email_shows_a_remote_image_or_links_outside_the_public_address() -> None:
    for name, sent in realistic.one_email_per_template().items():
        message = sent.message
        html_part = message.get_body(preferencelist=("html",))
        text_part = message.get_body(preferencelist=("plain",))
        assert html_part is not None
        assert text_part is not None
        markup = str(html_part.get_content())
        assert "<img" not in markup.lower(), name
        assert "url(" not in markup.lower(), name
        targets = _HREF.findall(markup)
        assert targets, name
        urls = [*targets, *_URL.findall(markup), *_URL.findall(str(text_part.get_content()))]
        for url in urls:
            assert url.startswith(f"{realistic.PUBLIC_URL}/") or url == realistic.PUBLIC_URL, (
                name,
                url,
            )


def test_every_template_is_either_declinable_or_says_why_it_always_comes() -> None:
    templates = {path.name.split(".")[0] for path in TEMPLATES.glob("[!_]*.j2")}
    assert set(DECLINABLE) | set(ALWAYS_SENT) == templates
    assert not set(DECLINABLE) & set(ALWAYS_SENT)


def test_declinable_emails_offer_one_click_unsubscribe_and_a_link_to_my_notifications() -> None:
    settings_page = f"{realistic.PUBLIC_URL}/mon-profil/notifications"
    for name, sent in realistic.one_email_per_template().items():
        message = sent.message
        text = flat(str(message.get_body(preferencelist=("plain",)).get_content()))  # type: ignore[union-attr]
        markup = str(message.get_body(preferencelist=("html",)).get_content())  # type: ignore[union-attr]
        signature = str(message["DKIM-Signature"]).lower().replace(" ", "")
        signed_headers = signature.partition("h=")[2].partition(";")[0].split(":")
        if name in DECLINABLE:
            kind = DECLINABLE[name].code
            link = realistic.LINKS.url(samples_user(name, message), kind)
            # Folded after the colon: a long header is written on two lines.
            assert message["List-Unsubscribe"].strip() == f"<{link}>", name
            assert link.startswith(f"{realistic.PUBLIC_URL}/desabonnement?jeton="), name
            assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click", name
            # RFC 8058 §4: both headers are covered by the DKIM signature.
            assert {"list-unsubscribe", "list-unsubscribe-post"} <= set(signed_headers), name
            assert f"« Mes notifications » : {settings_page}" in text, name
            assert f'href="{settings_page}"' in markup, name
            assert "il ne peut pas être désactivé" not in text, name
        else:
            assert message["List-Unsubscribe"] is None, name
            assert message["List-Unsubscribe-Post"] is None, name
            assert flat(ALWAYS_SENT[name]) in text, name
            assert ALWAYS_SENT[name] in html.unescape(markup), name
            assert "Mes notifications" not in text, name


def samples_user(template: str, message: EmailMessage) -> str:
    """The user a declinable sample email goes to (found by its address)."""
    by_address = {
        AMBASSADOR_EMAIL: AMBASSADOR_ID,
        REQUESTER_EMAIL: REQUESTER_ID,
        REFERENT_EMAIL: REFERENT_ID,
    }
    return by_address[message["To"].addresses[0].addr_spec]


def test_every_email_leaves_with_the_bounce_address_as_envelope_sender() -> None:
    for name, sent in realistic.one_email_per_template().items():
        assert sent.envelope_from == realistic.BOUNCE_ADDRESS, name
