"""/api/v1/opportunities/, /api/v1/activities/ and /api/v1/stages/."""

from rest_framework.routers import SimpleRouter

from .api import ActivityViewSet, OpportunityViewSet, StageViewSet

router = SimpleRouter()
router.register("opportunities", OpportunityViewSet, basename="api-opportunity")
router.register("activities", ActivityViewSet, basename="api-activity")
router.register("stages", StageViewSet, basename="api-stage")

urlpatterns = router.urls
