"""The tracker: the recruiters' pages over every interview, and their sign-in."""
