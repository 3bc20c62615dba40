# The shared fixtures serve the core's tests (tests/) and every addon's tests (addons/*/tests/).
pytest_plugins = ["tests.fixtures", "tests.browser"]
