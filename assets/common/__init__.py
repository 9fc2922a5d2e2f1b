"""Pure helpers every family uses: ids, seeding, parsing, seeds, dedup, bookkeeping."""
