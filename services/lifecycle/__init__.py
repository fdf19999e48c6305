"""Moving documents: `fire`, the effects events declare, convention parties, motives."""
