"""Loading a scenario file (regions, GHTs, people, campaign, documents)."""
