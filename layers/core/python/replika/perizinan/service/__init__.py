"""Use cases of Perizinan: load -> rules -> conditional write with audit.

- :mod:`.common`: the clock, the region's calendar and policy, item <-> view;
- :mod:`.catalogue`: versioned permit types (edit, import, read);
- :mod:`.applications`: submit (report-only or staged), staff actions, resubmit, fees, queues;
- :mod:`.permits`: issue (number, KMS signature, QR), revoke, verify, the PDF;
- :mod:`.clock`: the daily SLA check (fiktif positif or escalation);
- :mod:`.stats`: public statistics per type and year, the satisfaction survey (SKM).
"""
