"""People who sign in: credentials, the user listing, and who may see and do what."""
