"""Synthetic data for tests, demos and first runs (:mod:`mmext.testing.synthetic_dresscode`).

Not imported by ``import mmext``: nothing here registers a module.
"""
