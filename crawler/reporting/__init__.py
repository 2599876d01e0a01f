"""Run and period reports: summary.json and a self-contained report.html."""
