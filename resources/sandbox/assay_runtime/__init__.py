"""Code that runs inside the sandbox: the warm zygote and the per-job runners.

Only the standard library and the pre-imported test stack may be imported here, and
only relatively: the package is mounted read-only at /opt/assay/assay_runtime inside
bubblewrap and copied into the Docker image, without the rest of assay.
"""
