"""The notifier's error catalogue (French wording, for the admin screens, in data/errors.toml)."""

from shared.http import ErrorCatalogue

CATALOGUE = ErrorCatalogue.of_package("services.notifier")

DELIVERY_NOT_FOUND = CATALOGUE.kind(404, "delivery_not_found")
DELIVERY_ALREADY_SENT = CATALOGUE.kind(409, "delivery_already_sent")
DELIVERY_IN_PROGRESS = CATALOGUE.kind(409, "delivery_in_progress")
DELIVERY_ERASED = CATALOGUE.kind(409, "delivery_erased")
UNKNOWN_EMAIL_KIND = CATALOGUE.kind(422, "unknown_email_kind")
UNSUBSCRIBE_LINK_INVALID = CATALOGUE.kind(404, "unsubscribe_link_invalid")
ADDRESS_NOT_UNDELIVERABLE = CATALOGUE.kind(404, "address_not_undeliverable")
