"""Pure rules of Hayu / Perizinan: no I/O, no AWS, no HTTP.

- :mod:`.risk`: capital (land and buildings excluded), risk from KBLI + capital, report-only path;
- :mod:`.sla`: due dates in working days, the clock stopped on return, lapse -> fiktif positif or
  escalation;
- :mod:`.workflow`: the application state machine (state, caller, action);
- :mod:`.permit`: permit numbers, validity, the signed payload and the public status;
- :mod:`.forms`: a permit type's JSON Schema form and required documents.
"""
