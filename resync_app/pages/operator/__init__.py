"""Operator pages: reachable without admin sign-in, never showing admin data."""
