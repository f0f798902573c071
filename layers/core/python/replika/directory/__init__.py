"""Organisation directory: OPD, units, positions (kelas jabatan) and employees."""
