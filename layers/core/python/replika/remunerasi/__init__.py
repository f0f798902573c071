"""e-Remunerasi / E-RK: activity-based performance allowance (TKD), DOMAIN.md §1."""
