"""/api/v1/ routes of the CRM resources: accounts, stakeholders, opportunities,
activities and stages."""

from rest_framework.routers import SimpleRouter

from .accounts import AccountViewSet, StakeholderViewSet
from .deals import ActivityViewSet, OpportunityViewSet, StageViewSet

router = SimpleRouter()
router.register("accounts", AccountViewSet, basename="api-account")
router.register("stakeholders", StakeholderViewSet, basename="api-stakeholder")
router.register("opportunities", OpportunityViewSet, basename="api-opportunity")
router.register("activities", ActivityViewSet, basename="api-activity")
router.register("stages", StageViewSet, basename="api-stage")

urlpatterns = router.urls
