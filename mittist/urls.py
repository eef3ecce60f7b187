from django.contrib import admin
from django.urls import include, path

from mittist.accounts import views as account_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("konto/", include("mittist.accounts.urls")),
    path("sprak/", account_views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("", include("evaluations.urls")),
    path("", include("evaluations.reports.urls")),
    path("", include("evaluations.certificates.urls")),
    path("", include("portfolio.urls")),
    path("", include("scheduling.urls")),
    path("mini-cex/", include("evaluations.minicex.urls")),
    path("", include("survey.urls")),
]

# Django's own 400/403/404 handlers render templates/400.html, 403.html, 404.html (in the layout).
handler500 = "mittist.errors.server_error"
