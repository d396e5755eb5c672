"""The notifier: turns events into emails and owns their delivery (the only service that mails)."""
