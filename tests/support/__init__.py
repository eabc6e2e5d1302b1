"""Test support: throwaway databases, factories, a real gunicorn, a real Chromium."""
