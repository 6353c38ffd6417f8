"""Users: logging in, tokens, passwords and the login throttle."""
