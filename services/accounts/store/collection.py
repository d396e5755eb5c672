"""What every collection class of the store starts from."""

from __future__ import annotations

from typing import TypeVar

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from shared.mongo import Document

# A write joins the caller's transaction when given one, else stands alone.
Session = AsyncClientSession | None
# What a page's ``load`` makes of each row.
T = TypeVar("T")


class Collection:
    """One collection, reached only through the methods its subclass names."""

    def __init__(self, rows: AsyncCollection[Document]) -> None:
        self._rows = rows
