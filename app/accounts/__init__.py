"""Accounts: offices, users, tokens, login and scope."""
