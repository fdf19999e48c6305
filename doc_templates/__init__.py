"""Word templates (docxtpl) for conventions and letters, and their rendering."""
