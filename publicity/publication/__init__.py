"""Publication of results: windows, the board, the notice, objections and locking (DOMAIN §6)."""
