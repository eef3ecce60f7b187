from .views import assessor, coordinator, inbox, progress, trainee

app_name = "minicex"

# Each module owns its routes; see the module docstrings for what each part of the flow does.
urlpatterns = [
    *trainee.urlpatterns, *assessor.urlpatterns, *inbox.urlpatterns, *progress.urlpatterns, *coordinator.urlpatterns,
]
