"""Standard addresses: codes, divisions, resolver, QR URLs, signing, verification, third-party plates."""
