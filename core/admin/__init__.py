"""The administration pages: the organisation, users, an office's own questions, QR codes,
kiosk devices and the audit log."""
