"""forecast: Bayesian growth models of AI-capability benchmarks, sampled forward into threshold dates."""

import os as _os

__version__ = "0.1.0"

# Reproducibility: PyTensor's numba backend compiles with fast-math by default, and a fresh
# compile and a cached one then order floating-point operations differently, so one seed gave
# different draws with a cold or a warm compiler cache. Fast-math stays off unless the user
# sets it explicitly in PYTENSOR_FLAGS (read by PyTensor when it is first imported).
_flags = _os.environ.get("PYTENSOR_FLAGS", "")
if "numba__fastmath" not in _flags:
    _os.environ["PYTENSOR_FLAGS"] = ",".join(f for f in (_flags, "numba__fastmath=False") if f)
