"""Analytics: IKM, officer components, complaint trends, dashboards, exports."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The analytics area registers itself: the fold behind the request and its hooks, the
    dashboards, reports, API, exports and alerts, their commands, and their menu entries."""
    from flask_babel import lazy_gettext as _l

    import analytics.alerts_models  # noqa: F401  (analytics' own tables on the one Base)
    import analytics.models  # noqa: F401
    from analytics import alerts_views, api, cli, fold, report_views, settings, views
    from core import navigation
    from core.settings import ConfigurationError

    # The component settings are checked when the app starts: a malformed ANALYTICS_* value
    # refuses to start, naming the key, instead of failing on the first dashboard.
    try:
        settings.from_config(app.config)
    except settings.SettingsError as exc:
        raise ConfigurationError(str(exc)) from None
    fold.init_app(app)
    views.register_fold_hooks(fold)
    app.register_blueprint(views.blueprint)
    app.register_blueprint(report_views.blueprint)
    api.register_api(app)  # the JSON API, its OpenAPI description and the exports
    alerts_views.register_alerts(app)  # alerts: inbox, rules, deliveries (analytics/alerts*.py)
    cli.register(app)

    add = navigation.add
    add(app, "landing", "analytics.dashboard", None, roles=("head", "supervisor"), order=10)
    add(app, "landing", "analytics.my_component", None, roles=("officer",), order=10)
    add(app, "home", "analytics.public_index", _l("Hasil survei kepuasan masyarakat"),
        roles=navigation.ANYONE, order=10)
    add(app, "staff", "analytics.dashboard", _l("Dasbor"), order=10)
    add(app, "staff", "analytics.my_component", _l("Komponen saya"), roles=("officer",),
        order=12, current=("analytics.officer_page",))
    add(app, "staff", "alerts.inbox", _l("Peringatan"), order=30,
        current=("alerts.detail", "alerts.rules", "alerts.deliveries"))
    add(app, "staff", "analytics_reports.service_counts", _l("Jumlah layanan"), order=40)
    add(app, "staff", "analytics_reports.signatories", _l("Penandatangan laporan"),
        roles=("admin",), order=42)
    add(app, "staff", "analytics.public_index", _l("Hasil publik"),
        roles=navigation.SIGNED_IN, order=90)
    add(app, "alerts", "alerts.inbox", _l("Peringatan"), order=10, current=("alerts.detail",))
    add(app, "alerts", "alerts.rules", _l("Aturan peringatan"), order=20)
    add(app, "alerts", "alerts.subscription", _l("Surel saya"), roles=navigation.SIGNED_IN,
        order=30)
    add(app, "alerts", "alerts.deliveries", _l("Log pengiriman"), roles=("admin",), order=40)
