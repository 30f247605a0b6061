"""The Teams app package as the tests build it."""

GOOD_APP_ID = "2f1a4c3e-8b7d-4e6f-9a0b-1c2d3e4f5a6b"  # a well-formed Entra app id (a GUID)
