from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from jobraker.api import admin_views, health, queue_views

urlpatterns = [
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("api/v1/", include("jobraker.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its set-up script as a file, so the page needs no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
    path("admin/streams/<uuid:pk>/", admin_views.stream_view, name="admin-stream"),
    path("admin/operations/", admin_views.operations_view, name="admin-operations"),
    path("admin/operations/queues/<str:queue>/dead-letters/", queue_views.dead_letters_view,
         name="admin-dead-letters"),
    path("admin/", admin.site.urls),
]

handler400 = "jobraker.api.problems.bad_request"
handler404 = "jobraker.api.problems.not_found"
handler500 = "jobraker.api.problems.server_error"
