"""One's own account: profile, email, consents, deletion, criminal-record extract."""

from __future__ import annotations

from services.accounts import moderation, profile
from services.accounts.api.joining_models import LinkOnly
from services.accounts.api.resources import accounts_of
from services.accounts.api.session_models import Accepted
from services.accounts.errors import (
    DOCUMENT_MISSING,
    DOCUMENT_TOO_LARGE,
    EMAIL_LINK_EXPIRED,
    EMAIL_TAKEN,
    LINK_INVALID,
    NOT_A_PDF,
    NOT_EDITABLE,
    RECORD_ALREADY_VERIFIED,
    SAME_EMAIL,
    SESSION_ENDED,
    TOO_MANY_ATTEMPTS,
    UNKNOWN_ORGANIZATION,
    WRONG_PASSWORD,
)
from services.accounts.moderation import MULTIPART_OVERHEAD
from services.accounts.shapes.moderation import RecordSubmitted
from services.accounts.shapes.profile import (
    ConsentsUpdate,
    EmailChanged,
    EmailChangeRequest,
    Me,
    MeUpdate,
)
from services.accounts.throttling import address_of
from shared.http import Authenticated, Call, Roles, Router

RECORD_UPLOAD_LIMIT = 5 * 1024 * 1024 + MULTIPART_OVERHEAD


def add_self_service_routes(router: Router) -> None:
    """Declare the self service routes on ``router``."""
    # One's own account: the session is checked open first.
    signed_in = router.group(auth=Authenticated(), errors=[SESSION_ENDED])

    @signed_in.get("/me", summary="Mon compte")
    async def get_me(call: Call[None, None]) -> Me:
        """One's own account and profile."""
        return await profile.show(accounts_of(call), call.user)

    @signed_in.patch(
        "/me",
        summary="Modifier mon compte",
        errors=[NOT_EDITABLE, UNKNOWN_ORGANIZATION],
    )
    async def patch_me(call: Call[MeUpdate, None]) -> Me:
        """Only the fields given change; ambassadors' public fields reach the other services."""
        return await profile.update(accounts_of(call), call.user, call.body)

    @signed_in.post(
        "/me/email",
        summary="Changer d'adresse e-mail",
        status=202,
        errors=[WRONG_PASSWORD, SAME_EMAIL, TOO_MANY_ATTEMPTS],
    )
    async def request_email_change(call: Call[EmailChangeRequest, None]) -> Accepted:
        """A 12 h link goes to the new address; the old one is told."""
        accounts = accounts_of(call)
        await profile.request_email_change(
            accounts, call.user, call.body, address_of(accounts, call.request)
        )
        return Accepted()

    @router.post(
        "/email-changes/confirm",
        summary="Confirmer la nouvelle adresse",
        errors=[EMAIL_LINK_EXPIRED, LINK_INVALID, EMAIL_TAKEN],
    )
    async def confirm_email_change(call: Call[LinkOnly, None]) -> EmailChanged:
        """The new address becomes the account's."""
        return await profile.confirm_email_change(accounts_of(call), call.body.token)

    @signed_in.put("/me/consents", summary="Donner ou retirer mes consentements")
    async def put_consents(call: Call[ConsentsUpdate, None]) -> Me:
        """Each change is dated; the history is kept."""
        return await profile.set_consents(accounts_of(call), call.user, call.body)

    @signed_in.delete("/me", summary="Supprimer mon compte")
    async def delete_me(call: Call[None, None]) -> None:
        """Erases the account; every service erases what it holds (accounts.user.deleted)."""
        await profile.delete(accounts_of(call), call.user)

    @signed_in.post(
        "/me/criminal-record",
        summary="Envoyer mon extrait de casier judiciaire (PDF, 5 Mo au plus)",
        status=202,
        auth=Roles("ambassador"),
        max_body_bytes=RECORD_UPLOAD_LIMIT,
        errors=[NOT_A_PDF, DOCUMENT_TOO_LARGE, DOCUMENT_MISSING, RECORD_ALREADY_VERIFIED],
        description="Corps multipart/form-data avec le fichier dans le champ « document ».",
    )
    async def submit_record(call: Call[None, None]) -> RecordSubmitted:
        """A referent of the ambassador's zone will check it."""
        return await moderation.submit_record(accounts_of(call), call.user, call.request)
