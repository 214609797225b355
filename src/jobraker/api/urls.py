from django.urls import path
from rest_framework_simplejwt.views import TokenBlacklistView, TokenObtainPairView, TokenRefreshView
from rest_framework.throttling import ScopedRateThrottle

from jobraker.api import views


class LoginView(TokenObtainPairView):
    """Log in with e-mail and password; returns an access and a refresh token."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"


urlpatterns = [
    path("auth/register", views.RegisterView.as_view(), name="register"),
    path("auth/token", LoginView.as_view(), name="token"),
    path("auth/token/refresh", TokenRefreshView.as_view(), name="token-refresh"),
    path("auth/logout", TokenBlacklistView.as_view(), name="logout"),
    path("candidates/me", views.MyCandidateView.as_view(), name="candidate-me"),
    path("candidates/<uuid:pk>", views.CandidateDetailView.as_view(), name="candidate-detail"),
]
