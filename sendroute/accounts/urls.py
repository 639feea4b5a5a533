from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.account, name="account"),
    path("sign-in", views.sign_in, name="sign_in"),
    path("sign-out", views.sign_out, name="sign_out"),
    path("create", views.sign_up, name="sign_up"),
    # The second step of signing in for advisers, staff and administrators (TwoFactorMiddleware
    # lets a pending session reach only these, sign-out, the assets and the API).
    path("two-factor", views.two_factor_start, name="two_factor"),
    path("two-factor/set-up", views.two_factor_set_up, name="two_factor_set_up"),
    path("two-factor/code", views.two_factor_code, name="two_factor_code"),
    # Password reset by email, with Django's own views and tokens and our GOV.UK templates.
    path(
        "password-reset",
        auth_views.PasswordResetView.as_view(
            template_name="accounts/password_reset.html",
            email_template_name="accounts/password_reset_email.txt",
            subject_template_name="accounts/password_reset_subject.txt",
            success_url="/account/password-reset/sent",
            extra_context={"title": "Reset your password"},
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent",
        auth_views.PasswordResetDoneView.as_view(
            template_name="accounts/password_reset_sent.html",
            extra_context={"title": "Check your email"},
        ),
        name="password_reset_sent",
    ),
    path(
        "reset/<uidb64>/<token>",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            success_url="/account/reset/done",
            extra_context={"title": "Choose a new password"},
        ),
        name="password_reset_confirm",
    ),
    path(
        "reset/done",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_done.html",
            extra_context={"title": "Your password has been changed"},
        ),
        name="password_reset_done",
    ),
]
