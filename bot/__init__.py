"""askARSAN's runtime: the aiohttp app, the Bot Framework edge, the CLI."""

__version__ = "0.1.0"
