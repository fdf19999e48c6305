"""The national list, establishments, GHTs, members, regions and compliance."""
