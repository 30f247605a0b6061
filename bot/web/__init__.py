"""Pages and JSON APIs over HTTP: the landing page, the chat page, the JSON API for an ATS, and the
recruiters' tracker. Imports no botbuilder (checked by ``make lint``): what a page needs from the
bot side is handed to it by the composition root."""
