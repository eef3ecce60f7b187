
app_name = "survey"

# The survey's pages (the trainee's form, the quality group's aggregates and CSV) are added with the app.
urlpatterns: list = []
