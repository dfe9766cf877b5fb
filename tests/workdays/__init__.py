"""Working-day clocks, per-province time limits and the calendar administration pages."""
