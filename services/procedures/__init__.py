"""Procedures as data: reading, checking and loading procedure folders."""
