"""Accounts: people who sign in, their roles, and their personal API tokens."""
