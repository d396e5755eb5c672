"""The platform's own library: infrastructure shared by every service, no domain logic."""
