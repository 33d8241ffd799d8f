"""urls routes (filled in by the owning module)."""

urlpatterns: list = []
