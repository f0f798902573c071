"""Sabilulungan use cases: load -> rules -> conditional write -> audit. ``applicants`` (profiles),
``proposals`` (drafts, documents, the review flow, amounts, NPHD, disbursement, LPJ), ``reports``
(matches, queues, dashboard, export, the overdue-LPJ job) and ``public`` (open data)."""
