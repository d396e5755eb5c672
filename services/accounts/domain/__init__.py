"""The rules of accounts, without I/O: what is valid, who may do what, how search works."""
