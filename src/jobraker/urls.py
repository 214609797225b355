from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from jobraker.api import admin_views, health, queue_views

urlpatterns = [
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("api/v1/", include("jobraker.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("admin/streams/<uuid:pk>/", admin_views.stream_view, name="admin-stream"),
    path("admin/operations/", admin_views.operations_view, name="admin-operations"),
    path("admin/operations/queues/<str:queue>/dead-letters/", queue_views.dead_letters_view,
         name="admin-dead-letters"),
    path("admin/", admin.site.urls),
]

handler404 = "jobraker.api.problems.not_found"
handler500 = "jobraker.api.problems.server_error"
