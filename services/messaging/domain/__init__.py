"""Messaging's rules: no I/O, only what a conversation, a message and an alias are."""
