"""The event contracts: each event's wire format, declared once, grouped by producer.

``shared.contracts.<service>`` holds the pydantic models of the events that service
publishes (its ``PUBLISHED``); ``personal_data`` the bases that every answering
service's personal-data events share. A producer builds its events from these models
and a consumer subscribes with them, so no service imports another. The modules are
pure declarations: pydantic and ``shared.events``, nothing else (the import contracts
in ``pyproject.toml`` hold them to it).

A change a consumer could not read is a new version of the event, declared as its own
model; the contract test checks that everything consumed is published.
"""
