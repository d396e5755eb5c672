"""The corpus of real-looking reply mails: what each one posts, or why it posts nothing."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest

from services.messaging.inbound.automatic import automatic_reason
from services.messaging.inbound.html_text import html_to_text
from services.messaging.inbound.reply import latest_reply, reply_text
from services.messaging.inbound.senders import sender_is_owner
from tests.messaging.conftest import CORPUS, CORPUS_SENDER

EXPECTED = {
    "gmail_fr.eml": (
        "Bonjour Léa,\n\nAvec plaisir ! Je peux venir le jeudi 12 mars à 14 h.\n"
        "Je vous propose de présenter :\n- mon parcours\n- une journée type à l'atelier\n\n"
        "Pouvez-vous me dire combien d'élèves seront présents ?"
    ),
    "outlook_fr.eml": (
        "Bonjour,\n\nC'est noté pour jeudi 12 mars. Je joins le plan d'accès de l'atelier "
        "pour une prochaine visite de la classe."
    ),
    "thunderbird_en.eml": (
        "Hello Léa,\n\nThursday works for me. I will bring a few samples of our parts so "
        "that the pupils can hold them, and a short video of the workshop."
    ),
    "apple_mail_fr.eml": "Parfait, merci ! À jeudi.",
    "html_only.eml": (
        "Bonjour,\n\nJe confirme ma venue le jeudi 12 mars. Pour les détails pratiques, "
        "écrivez-moi plutôt sur karim.perso@orange.fr ou au 07 81 22 33 44.\n"
        "- Salle : atelier B\n- Durée : 45 min\nNotre site"
    ),
}
AUTOMATIC = {
    "auto_reply.eml": "Auto-Submitted: auto-replied",
    "bounce.eml": "empty return path (bounce)",
}


def _mail(name: str) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes((CORPUS / name).read_bytes())
    assert isinstance(message, EmailMessage)
    return message


def test_the_corpus_covers_every_case_it_should() -> None:
    assert {path.name for path in CORPUS.glob("*.eml")} == set(EXPECTED) | set(AUTOMATIC)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_reply_keeps_the_new_words_without_quote_signature_or_attachment(name: str) -> None:
    message = _mail(name)

    assert automatic_reason(message, CORPUS_SENDER) is None
    assert reply_text(message) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(AUTOMATIC))
def test_automatic_mails_are_recognised(name: str) -> None:
    sender = "" if name == "bounce.eml" else CORPUS_SENDER

    assert automatic_reason(_mail(name), sender) == AUTOMATIC[name]


@pytest.mark.parametrize(
    ("header", "value", "reason"),
    [
        ("Auto-Submitted", "auto-generated", "Auto-Submitted: auto-generated"),
        ("Precedence", "bulk", "Precedence: bulk"),
        ("Precedence", "junk", "Precedence: junk"),
        ("Precedence", "list", "Precedence: list"),
        ("X-Autoreply", "yes", "X-Autoreply header"),
        ("X-Autorespond", "Vacation", "X-Autorespond header"),
        ("List-Id", "<parents.college.exemple.fr>", "mailing list"),
    ],
)
def test_loop_prone_headers_mark_a_mail_automatic(header: str, value: str, reason: str) -> None:
    message = EmailMessage()
    message["From"] = CORPUS_SENDER
    message["Subject"] = "Re: Présentation"
    message[header] = value
    message.set_content("Bonjour")

    assert automatic_reason(message, CORPUS_SENDER) == reason


def test_a_person_writing_auto_submitted_no_is_not_automatic() -> None:
    message = EmailMessage()
    message["From"] = CORPUS_SENDER
    message["Subject"] = "Re: Présentation"
    message["Auto-Submitted"] = "no"
    message.set_content("Bonjour")

    assert automatic_reason(message, CORPUS_SENDER) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Merci !\n\nLe mar. 2 déc. 2026 à 10:12, Léa M. <a@relay.localhost> a écrit :\n"
            "> Bonjour",
            "Merci !",
        ),
        ("Thanks!\n\nOn Tue, Dec 2, 2026 at 10:12 AM Léa M. wrote:\n> Hello", "Thanks!"),
        (
            "C'est noté.\n\nDe : Léa M.\nEnvoyé : mardi 2 décembre 2026 10:12\n"
            "À : Karim\nObjet : Présentation\n\nBonjour",
            "C'est noté.",
        ),
        ("Très bien.\n\nBien cordialement,\nKarim Benali\n06 12 34 56 78", "Très bien."),
        ("D'accord.\n\n--\nKarim\nTechnicien", "D'accord."),
        ("Oui.\n\n> texte cité sans ligne d'introduction", "Oui."),
        (
            "Au programme :\n- le métier\n- la formation",
            "Au programme :\n- le métier\n- la formation",
        ),
    ],
)
def test_quotes_and_signatures_in_french_and_english_are_cut(text: str, expected: str) -> None:
    assert latest_reply(text) == expected


def test_html_mail_becomes_text_without_markup_quotes_or_scripts() -> None:
    html = (
        "<html><head><style>p{}</style></head><body><p>Bonjour,</p><p>Je viens&nbsp;!<br>"
        "<b>Jeudi</b> à 14 h.</p><script>alert(1)</script>"
        "<blockquote>ancien message</blockquote></body></html>"
    )

    assert html_to_text(html) == "Bonjour,\nJe viens !\nJeudi à 14 h."


def test_only_the_registered_address_in_envelope_and_header_is_the_owner() -> None:
    owner = "karim.benali@exemple.fr"
    header = ["Karim Benali <Karim.Benali@exemple.fr>"]

    assert sender_is_owner(owner, "<KARIM.BENALI@exemple.fr>", header)
    assert not sender_is_owner(owner, "intrus@exemple.org", header)
    assert not sender_is_owner(owner, owner, ["Karim <intrus@exemple.org>"])
    assert not sender_is_owner(owner, owner, [f"{owner}, intrus@exemple.org"])
    assert not sender_is_owner(owner, owner, [])
    assert not sender_is_owner(None, owner, header)
