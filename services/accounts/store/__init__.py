"""The accounts database, the one door to it: a named class per collection (or pair of
collections that go together), each with the queries its callers need.

Collections: ``users``, ``link_tokens``, ``sessions``, ``throttles``,
``charter_acceptances``, ``organizations``, ``partner_requests``, ``record_documents``,
``directory`` and ``directory_terms`` (with the listing's state in ``meta``), ``audit``,
``erasures``, ``export_requests`` and ``export_parts``; data migrations record
themselves in ``migrations`` (``shared.migrations``).
"""

from __future__ import annotations

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from services.accounts.store.directory import Directory
from services.accounts.store.indexes import INDEXES
from services.accounts.store.links import Links
from services.accounts.store.organizations import Organizations, PartnerRequests
from services.accounts.store.personal_data import AuditLog, CharterAcceptances, Erasures, Exports
from services.accounts.store.records import RecordDocuments
from services.accounts.store.sessions import Sessions
from services.accounts.store.throttles import Throttles
from services.accounts.store.users import Users
from shared.mongo import Document

__all__ = ["INDEXES", "AccountsStore"]


class AccountsStore:
    """The collections of the accounts database, each behind its own class."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.db = db
        self.users = Users(db["users"])
        self.links = Links(db["link_tokens"])
        self.sessions = Sessions(db["sessions"])
        self.throttles = Throttles(db["throttles"])
        self.charter_acceptances = CharterAcceptances(db["charter_acceptances"])
        self.organizations = Organizations(db["organizations"])
        self.partner_requests = PartnerRequests(db["partner_requests"])
        self.record_documents = RecordDocuments(db["record_documents"])
        self.directory = Directory(db["directory"], db["directory_terms"], db["meta"])
        self.audit = AuditLog(db["audit"])
        self.erasures = Erasures(db["erasures"])
        self.exports = Exports(db["export_requests"], db["export_parts"])

    async def forget_user(self, user_id: str, session: AsyncClientSession) -> None:
        """Remove every row about a person but their erasure record (deletion)."""
        await self.users.delete(user_id, session)
        await self.links.void(user_id, None, session)
        await self.sessions.forget_user(user_id, session)
        await self.charter_acceptances.forget_user(user_id, session)
        await self.exports.forget_user(user_id, session)
        await self.record_documents.delete(user_id, session)
