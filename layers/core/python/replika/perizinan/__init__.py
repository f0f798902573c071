"""Hayu / Perizinan Online: licensing with a report-only path, SLAs in working days, fiktif
positif and permits anyone can verify by QR (DOMAIN.md §3)."""
