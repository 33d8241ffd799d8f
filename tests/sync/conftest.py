"""The resource API's tests authenticate like a connector: the API fixtures."""

from tests.api.conftest import api_as, default_stages  # noqa: F401
