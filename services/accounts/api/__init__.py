"""The HTTP side of accounts: request and response models, and the routes."""
