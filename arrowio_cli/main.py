"""Entry point placeholder replaced below."""
