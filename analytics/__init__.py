"""Analytics: IKM, officer components, complaint trends, dashboards, exports."""
