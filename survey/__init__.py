"""Survey: questionnaire, QR codes, ratings, comments; record_rating()."""
