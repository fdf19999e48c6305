"""What is due when: the deadline sweep and the GHTs' calendars."""
