"""Messaging: conversations, relay aliases, contact sharing, inbound email replies."""
