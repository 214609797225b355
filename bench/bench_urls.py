"""The product's URLs plus a trivial authenticated DRF endpoint, the API benchmark's baseline:
the same middleware, JWT authentication and account lookup as every endpoint, and nothing else."""

from django.urls import path
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jobraker.urls import handler404, handler500  # noqa: F401
from jobraker.urls import urlpatterns as product_urls


class WhoAmI(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        return Response({"id": str(request.user.id)})


urlpatterns = [path("bench/whoami", WhoAmI.as_view()), *product_urls]
