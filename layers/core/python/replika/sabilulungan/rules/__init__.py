"""Pure rules of Sabilulungan: no AWS, no HTTP. ``flow`` (the state machine), ``duties``
(separation of duties), ``evaluation`` (the technical OPD's checklist), ``amounts`` (RAB totals
and the amount invariants), ``lpj`` (the accountability-report deadline), ``matcher`` (the
duplicate-recipient matcher) and ``eligibility`` (region policy)."""
