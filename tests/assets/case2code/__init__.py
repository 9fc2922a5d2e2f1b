"""Case2Code family tests: pure parsers, prompt composition, scoring, and the assets end to end."""
