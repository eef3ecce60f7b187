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
]
