"""Security cases, one module per attack surface; each registers its cases."""
