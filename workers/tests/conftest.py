def pytest_configure(config):
    config.addinivalue_line(
        "markers", "e2e: starts a live server, Redis and real agent processes (about a minute)"
    )
