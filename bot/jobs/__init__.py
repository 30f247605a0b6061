"""The job runner: claims due effects from the outbox and carries them out through the services,
in the server process or in ``askarsan worker`` (``docs/architecture.md``, "The outbox")."""
