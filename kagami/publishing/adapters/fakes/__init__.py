"""Loopback fake servers for the platform adapters' tests (ARCHITECTURE.md, "Publishing").

Each fake speaks the documented wire format of the endpoints its adapter uses, records what
it received and can be told to answer the next matching request with an error, garbage, a
closed connection or silence. Never used outside tests.
"""

from kagami.publishing.adapters.fakes.server import (
    CLOSE,
    HANG,
    FakeResponse,
    FakeServer,
    Recorded,
)

__all__ = ["CLOSE", "HANG", "FakeResponse", "FakeServer", "Recorded"]
