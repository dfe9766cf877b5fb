"""Electronic signatures (design model: 21 CFR Part 11, docs/rules.md §10)."""
