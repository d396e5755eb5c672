"""The platform's four services; each is its own aiohttp application and database."""
