"""Shared core of every replika app: config, auth, errors, HTTP, storage, audit, calendar, money."""
