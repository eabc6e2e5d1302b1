"""Survey: questionnaire, QR codes, ratings, comments; record_rating()."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The survey area registers itself: the citizen pages and the ratings API, complaint
    follow-up and comment moderation, the `qr` and `ratings` commands, its staff menu
    entries and its part of the retention purge."""
    from flask_babel import lazy_gettext as _l

    from core import navigation, retention
    from survey import api, cli, complaints_views, moderation_views, views
    from survey import retention as survey_retention

    app.register_blueprint(views.blueprint)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(complaints_views.blueprint)
    app.register_blueprint(moderation_views.blueprint)
    cli.register(app)
    navigation.add(app, "staff", "complaints.complaint_list", _l("Pengaduan"), order=20,
                   current=("complaints.complaint_",))
    navigation.add(app, "staff", "complaints.flagged_list", _l("Penilaian ditandai"), order=22,
                   current=("complaints.flagged_",))
    navigation.add(app, "staff", "moderation.queue_page", _l("Moderasi komentar"), order=24,
                   roles=("head", "admin"), current=("moderation.",))
    retention.add_step(app, "survey", survey_retention.purge_personal_data,
                       survey_retention.LABELS)
