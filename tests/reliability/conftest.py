from tests.security.conftest import migration_rows  # noqa: F401 - the fixture, for transactional tests
