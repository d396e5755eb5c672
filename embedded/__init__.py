"""The embedded default's own parts: the local store, the mail catcher, the API explorer.

None of this runs in a distributed deployment (see ``deploy/``), where MongoDB, a real
SMTP server and a reverse proxy take these roles.
"""
