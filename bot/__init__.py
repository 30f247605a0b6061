"""askARSAN's runtime, in rooms of one purpose each.

- ``bot.app`` — the one composition root: builds every part once, in order;
- ``bot.settings`` / ``bot.cli`` — the settings (read once) and the ``askarsan`` command;
- ``bot.framework`` — the Bot Framework edge (adapter, activity handler, middleware, proactive
  sends); ``bot.framework.sdk4171`` holds what exists only because of botbuilder 4.17.1;
- ``bot.directline`` — the built-in Direct Line 3.0 channel for Microsoft's Web Chat;
- ``bot.web`` — pages and JSON APIs (the landing page, the chat page, the tracker), no botbuilder;
- ``bot.jobs`` — the job runner, the table from effect kinds to services, the worker process;
- ``bot.dev`` — the demo and the loopback stand-ins for Teams' connector and Microsoft Graph.

See ``docs/architecture.md``.
"""

__version__ = "0.1.0"
