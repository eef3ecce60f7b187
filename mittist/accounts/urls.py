from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("logga-in/", views.LoginView.as_view(), name="login"),
    path("logga-ut/", auth_views.LogoutView.as_view(), name="logout"),
    path("losenord/", views.password_reset, name="password_reset"),
    path("losenord/skickat/", views.password_reset_done, name="password_reset_done"),
    path("losenord/<uidb64>/<token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("losenord/klart/", views.password_reset_complete, name="password_reset_complete"),
    path("tvastegsverifiering/", views.second_factor, name="second_factor"),
    path("tvastegsverifiering/kod/", views.second_factor_verify, name="second_factor_verify"),
    path("tvastegsverifiering/aktivera/", views.second_factor_enrol, name="second_factor_enrol"),
    path("tvastegsverifiering/reservkoder/", views.second_factor_recovery_codes, name="second_factor_recovery_codes"),
    path("tvastegsverifiering/stang-av/", views.second_factor_disable, name="second_factor_disable"),
    path("sparrade-konton/", views.lockouts, name="lockouts"),
]
