"""Sabilulungan: hibah and bansos grants (DOMAIN.md §2)."""
