"""Reference data shared by every domain: provinces and the classification catalogue."""
