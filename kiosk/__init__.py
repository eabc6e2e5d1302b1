"""Kiosk: counter tablets, pairing, officer sign-in, the offline queue."""
