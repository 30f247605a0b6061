"""Gateways to the outside world, each a port with a local default and a production
implementation: calendars (local, Microsoft Graph), mail transport (outbox folder, SMTP, Graph),
the Teams directory, iCalendar files."""
