"""The Teams app package: the manifest template, its icons and the builder behind
``askarsan manifest build``, shipped in the wheel so the command works from an install."""
