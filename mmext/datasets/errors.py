# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""The error type of mmext's data loading: it always names the file and the problem."""


class DatasetError(ValueError):
    """A sample, annotation or split file that cannot be used as it is."""

    def __init__(self, path: str, problem: str):
        self.path = path
        self.problem = problem
        super().__init__(f'{path}: {problem}')
