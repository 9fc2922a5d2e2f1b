"""assay's asset graph: one subpackage per pipeline family, plus common helpers."""
