"""Demo data: seed the directory, demo employees and a demo payroll."""
