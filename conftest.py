"""Suite-wide pytest rules: a skipped test is a failed test.

Odoo skips a browser test when Chromium or websocket-client is missing, and pytest-odoo
skips HttpCase without its HTTP server: here both must fail, never pass unnoticed.
"""
import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, 'wasxfail'):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = 'failed'
        report.longrepr = 'skipped, which this suite counts as a failure: %s' % reason
