"""/api/v1/accounts/ and /api/v1/stakeholders/."""

from rest_framework.routers import SimpleRouter

from .api import AccountViewSet, StakeholderViewSet

router = SimpleRouter()
router.register("accounts", AccountViewSet, basename="api-account")
router.register("stakeholders", StakeholderViewSet, basename="api-stakeholder")

urlpatterns = router.urls
