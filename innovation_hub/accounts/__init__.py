"""Accounts: administrators, judges and studio accounts; login, logout, passwords."""
