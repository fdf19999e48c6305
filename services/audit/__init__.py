"""The keyed audit chain, its checkpoints, and the daily checkpoint e-mail."""
