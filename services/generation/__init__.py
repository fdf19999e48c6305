"""Word documents filled from the national models (docxtpl) and their context."""
