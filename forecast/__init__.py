"""forecast: Bayesian growth models of AI-capability benchmarks, sampled forward into threshold dates."""

__version__ = "0.1.0"
