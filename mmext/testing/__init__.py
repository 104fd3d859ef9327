# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Synthetic data for tests, demos and first runs (:mod:`mmext.testing.synthetic_dresscode`).

Not imported by ``import mmext``: nothing here registers a module.
"""
