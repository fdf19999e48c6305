"""Files, spreadsheets, PDF, YAML with line numbers, key files: the outside world."""
