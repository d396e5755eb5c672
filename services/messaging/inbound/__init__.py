"""Replies by email: the SMTP endpoint of the relay domain and how a mail becomes a message."""
