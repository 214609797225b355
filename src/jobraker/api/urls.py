from typing import Any

from django.urls import path
from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle
from rest_framework_simplejwt.views import TokenBlacklistView, TokenObtainPairView, TokenRefreshView

from jobraker.api import (
    alert_views,
    answer_views,
    application_views,
    assistant_views,
    audit_views,
    automation_views,
    board_views,
    candidate_views,
    delivery_views,
    export_views,
    job_views,
    mailbox_views,
    match_views,
    notification_views,
    resume_views,
    staff_views,
    webhook_views,
)
from jobraker.api.read_your_writes import catch_up
from jobraker.api.throttles import LoginAccountThrottle
from jobraker.projections.registry import all_projections


class LoginView(TokenObtainPairView):
    """Log in with e-mail and password; returns an access and a refresh token. Right after
    registering, send its position as ``X-Min-Position`` so that the account is there."""

    throttle_classes = [ScopedRateThrottle, LoginAccountThrottle]
    throttle_scope = "login"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # The one anonymous wait: after the throttles, so each address gets only a few.
        if catch_up(request._request, [p.name for p in all_projections()]) is False:
            request._request.projection_stale = True


urlpatterns = [
    path("auth/register", candidate_views.RegisterView.as_view(), name="register"),
    path("auth/verify", candidate_views.VerifyAddressView.as_view(), name="verify-address"),
    path("auth/token", LoginView.as_view(), name="token"),
    path("auth/token/refresh", TokenRefreshView.as_view(), name="token-refresh"),  # api.tokens.RefreshSerializer
    path("auth/logout", TokenBlacklistView.as_view(), name="logout"),
    path("candidates/me", candidate_views.MyCandidateView.as_view(), name="candidate-me"),
    path("candidates/me/profile", candidate_views.ProfileView.as_view(), name="candidate-profile"),
    path("candidates/me/preferences", candidate_views.PreferencesView.as_view(), name="candidate-preferences"),
    path("candidates/me/auto-apply", candidate_views.AutoApplyView.as_view(), name="candidate-auto-apply"),
    path("candidates/me/mailbox", mailbox_views.MailboxView.as_view(), name="candidate-mailbox"),
    path("candidates/me/forwarding-address", mailbox_views.ForwardingAddressView.as_view(), name="candidate-forwarding"),
    path("candidates/me/boards", board_views.MyBoardsView.as_view(), name="candidate-boards"),
    path("candidates/me/boards/<str:source>/<str:token>", board_views.MyBoardView.as_view(), name="candidate-board"),
    path("candidates/me/resume", resume_views.ResumeView.as_view(), name="candidate-resume"),
    path("candidates/me/answers", answer_views.AnswerBankView.as_view(), name="candidate-answers"),
    path("candidates/me/answers/<uuid:answer_id>", answer_views.AnswerView.as_view(), name="candidate-answer"),
    path("candidates/me/consents", candidate_views.ConsentsView.as_view(), name="candidate-consents"),
    path("candidates/me/consents/<str:kind>", candidate_views.ConsentView.as_view(), name="candidate-consent"),
    path("candidates/<uuid:pk>", candidate_views.CandidateDetailView.as_view(), name="candidate-detail"),
    path("candidates/me/erasure", candidate_views.MyErasureView.as_view(), name="candidate-erasure"),
    path("candidates/<uuid:pk>/erasure", candidate_views.CandidateErasureView.as_view(), name="staff-erasure"),
    path("candidates/me/exports", export_views.MyExportsView.as_view(), name="candidate-exports"),
    path("candidates/<uuid:pk>/exports", export_views.CandidateExportsView.as_view(), name="staff-exports"),
    path("exports/<uuid:pk>", export_views.ExportView.as_view(), name="export"),
    path("exports/<uuid:pk>/download", export_views.ExportDownloadView.as_view(), name="export-download"),
    path("jobs", job_views.JobListView.as_view(), name="jobs"),
    path("candidates/me/pipeline", candidate_views.PipelineView.as_view(), name="candidate-pipeline"),
    path("candidates/me/matches", match_views.MatchesView.as_view(), name="candidate-matches"),
    path("candidates/me/matches/<uuid:pk>/shortlist", match_views.ShortlistMatchView.as_view(), name="match-shortlist"),
    path("jobs/semantic", match_views.SemanticSearchView.as_view(), name="jobs-semantic"),
    path("jobs/<uuid:pk>", job_views.JobDetailView.as_view(), name="job-detail"),
    path("jobs/<uuid:pk>/match", match_views.JobMatchView.as_view(), name="job-match"),
    path("jobs/<uuid:pk>/apply", match_views.ApplyToJobView.as_view(), name="job-apply"),
    path("applications", application_views.ApplicationListView.as_view(), name="applications"),
    path("applications/<uuid:pk>", application_views.ApplicationDetailView.as_view(), name="application-detail"),
    path("applications/bulk", automation_views.BulkView.as_view(), name="applications-bulk"),
    path("applications/<uuid:pk>/approve", automation_views.ApproveView.as_view(), name="application-approve"),
    path("applications/<uuid:pk>/reject", automation_views.RejectView.as_view(), name="application-reject"),
    path("applications/<uuid:pk>/apply", automation_views.ApplyNowView.as_view(), name="application-apply"),
    path("candidates/me/automation", automation_views.AutomationView.as_view(), name="candidate-automation"),
    path("applications/<uuid:pk>/transitions", application_views.ApplicationTransitionView.as_view(), name="application-transitions"),
    path("applications/<uuid:pk>/answer", answer_views.ApplicationAnswerView.as_view(), name="application-answer"),
    path("applications/<uuid:pk>/notes", application_views.ApplicationNotesView.as_view(), name="application-notes"),
    path("notifications", notification_views.NotificationListView.as_view(), name="notifications"),
    path("notifications/<uuid:pk>/read", notification_views.NotificationReadView.as_view(), name="notification-read"),
    path("notifications/stream", delivery_views.NotificationStreamView.as_view(), name="notification-stream"),
    path("notifications/settings", delivery_views.NotificationSettingsView.as_view(), name="notification-settings"),
    path("alerts", alert_views.AlertListView.as_view(), name="alerts"),
    path("alerts/unsubscribe/<str:token>", alert_views.AlertUnsubscribeView.as_view(), name="alert-unsubscribe"),
    path("alerts/<uuid:pk>", alert_views.AlertDetailView.as_view(), name="alert-detail"),
    path("staff/projection-lag", delivery_views.ProjectionLagView.as_view(), name="projection-lag"),
    path("staff/adzuna-usage", staff_views.AdzunaUsageView.as_view(), name="adzuna-usage"),
    path("staff/boards", board_views.FollowedBoardsView.as_view(), name="followed-boards"),
    path("staff/boards/<str:source>/<str:token>", board_views.FollowedBoardView.as_view(), name="followed-board"),
    path("webhooks/skyvern", webhook_views.SkyvernWebhookView.as_view(), name="skyvern-webhook"),
    path("assistant/conversations", assistant_views.ConversationsView.as_view(), name="assistant-conversations"),
    path("assistant/conversations/<uuid:pk>", assistant_views.ConversationDetailView.as_view(), name="assistant-conversation"),
    path("assistant/conversations/<uuid:pk>/messages", assistant_views.MessagesView.as_view(), name="assistant-messages"),
    path("assistant/conversations/<uuid:pk>/stream", assistant_views.StreamView.as_view(), name="assistant-stream"),
    path("assistant/conversations/<uuid:pk>/confirmations/<uuid:proposal_id>", assistant_views.ConfirmationView.as_view(),
         name="assistant-confirmation"),
    path("audit/streams/<uuid:pk>/events", audit_views.StreamEventsView.as_view(), name="audit-events"),
    path("audit/streams/<uuid:pk>/state", audit_views.StreamStateView.as_view(), name="audit-state"),
]
