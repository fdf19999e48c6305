"""Document workflows: definitions as data and the `transitions` machinery that applies them.

Pure: nothing here touches a database, a file or the network.
"""
