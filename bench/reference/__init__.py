"""Reference and replay code used only by tests and benchmarks, never installed.

codeio: replays CodeI/O's released pairs through our sandbox and comparator and classes
every disagreement (with codeio_preimages.json, the reconstructed pre-call inputs).
sandbox_jobs: KodCode's recorded trials and HumanEval as pytest jobs, to check and bench
the sandbox's verdicts.
"""
