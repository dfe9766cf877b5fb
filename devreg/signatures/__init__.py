"""Electronic signatures (design model: 21 CFR Part 11, DOMAIN.md section 10)."""
