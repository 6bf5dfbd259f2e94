"""Places and the editor: features API, edits with history, checks, file exchange."""
