# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Importing mediapipe 0.10.14 beside the project's protobuf 6.

mediapipe 0.10.14 is the last release whose wheel ships the BlazePose and Selfie Segmentation models, and it
was built for protobuf 4; onnx's generated code needs protobuf >= 6 (requirements.txt). mediapipe's Python
layer calls one method that protobuf 5 removed, ``GetPrototype``; its replacement,
``message_factory.GetMessageClass``, returns the same class. :func:`import_mediapipe` adds that method where
it is missing (nothing else changes) and imports mediapipe.
"""

from types import ModuleType


def _get_prototype(self, descriptor):
    from google.protobuf import message_factory

    return message_factory.GetMessageClass(descriptor)


def import_mediapipe() -> ModuleType:
    """``mediapipe``, importable with protobuf >= 5; a clear error when it is not installed."""
    from google.protobuf import message_factory, symbol_database

    for cls in (symbol_database.SymbolDatabase, message_factory.MessageFactory):
        if not hasattr(cls, 'GetPrototype'):
            cls.GetPrototype = _get_prototype
    try:
        import mediapipe
    except ImportError as error:
        raise ImportError(
            'mediapipe 0.10.14 is needed for BlazePose / Selfie Segmentation; `make install` '
            'installs it (requirements/no-deps.txt)'
        ) from error
    if not hasattr(mediapipe, 'solutions'):
        raise ImportError(
            f'mediapipe {mediapipe.__version__} has no `solutions` API (and ships no models); '
            'install mediapipe==0.10.14'
        )
    return mediapipe
