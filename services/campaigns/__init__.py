"""Campaigns: what the agency asks the GHTs of one region, and by when.

- `store`: create, list, show and close a campaign; the one way a campaign is stored (the
  scenario loader stores its campaign through it too);
- `due`: move a due date, the campaign's and that of its documents not yet delivered, each
  move recorded in the document's history (the sweep then follows the new date);
- `owed`: create, in draft, the documents a campaign asks of a GHT (one per GHT, or those the
  role matrix requires), shared by `campaigns launch` and `compliance --create-missing`;
- `launch`: create what each GHT of the region owes and queue its one launch e-mail (`mail`).

A person sees the campaigns of their region only: every use case takes `region_id` (None: every
region, as the CLI's operator and an agency person of no region), and a campaign of another
region is answered as one that does not exist.
"""
