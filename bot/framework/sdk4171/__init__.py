"""Workarounds for botbuilder 4.17.1, the Python SDK's final release: the authentication patches,
the compiled activity codec and the lean connector client. Each names the trap it fixes
(``docs/architecture.md``, "SDK traps"); none is needed on a fixed SDK."""
