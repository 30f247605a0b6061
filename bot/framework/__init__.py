"""The Bot Framework edge: the adapter, the activity handler, middleware, proactive sends.

Everything that speaks botbuilder's API at run time lives here (and in ``dialogs/``), so moving to
the Microsoft 365 Agents SDK rewrites this room; ``sdk4171/`` holds the workarounds that exist only
because of botbuilder 4.17.1 (``docs/architecture.md``, "SDK traps").
"""
