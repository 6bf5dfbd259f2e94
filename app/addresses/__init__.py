"""Standard address codes, divisions and the address resolver."""
