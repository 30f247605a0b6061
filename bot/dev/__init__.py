"""For trying askARSAN without accounts: the scripted demo and loopback stand-ins that speak the
Bot Connector's and Microsoft Graph's wire formats (used by ``askarsan demo``, tests and bench)."""
