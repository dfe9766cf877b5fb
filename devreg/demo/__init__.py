"""Demo data for the quick start: created only by `flask demo load` / `flask quickstart`."""
