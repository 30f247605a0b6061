"""The built-in Direct Line 3.0 channel: Microsoft's Web Chat talks to askARSAN with no Azure.

The client side (REST and WebSocket under ``/v3/directline``), the bot side (a Bot Connector
endpoint the adapter's replies come back to) and the signed tokens that bind a browser to one
conversation and invitation (``docs/architecture.md``, "Web chat").
"""
