from django.urls import path

from .views import assessor, coordinator, inbox, progress, trainee

app_name = "minicex"

# In the order the routes are tried: the trainee's pages, the assessor's, the inbox, progress, the coordinator's.
urlpatterns = [
    # trainee
    path("", trainee.form_list, name="list"),
    path("jamfor/valj/", trainee.compare_pick, name="compare_pick"),
    path("ny/", trainee.create, name="create"),
    path("min-utbildning/", trainee.training_profile, name="training"),
    path("<uuid:form_id>/", trainee.detail, name="detail"),
    path("<uuid:form_id>/andra/", trainee.edit, name="edit"),
    path("<uuid:form_id>/skicka/", trainee.send_link, name="send_link"),
    path("<uuid:form_id>/skicka-igen/", trainee.resend_link, name="resend_link"),
    path("<uuid:form_id>/forlang/", trainee.extend_link, name="extend_link"),
    path("<uuid:form_id>/lamna-over/", trainee.hand_over, name="hand_over"),
    path("<uuid:form_id>/avbryt/", trainee.cancel, name="cancel"),
    path("<uuid:form_id>/handlingsplan/", trainee.action_plan, name="action_plan"),
    # assessor
    path("<uuid:form_id>/bedomare/", assessor.assess_device, name="assess_device"),
    path("<uuid:form_id>/bedomare/formular/", assessor.assess_device_form, name="assess_device_form"),
    path("<uuid:form_id>/bedomare/klar/", assessor.assess_device_done, name="assess_device_done"),
    path("<uuid:form_id>/bedom/", assessor.assess, name="assess"),
    path("<uuid:form_id>/bedom/<str:token>/", assessor.assess_link, name="assess_link"),
    # inbox
    path("att-bedoma/", inbox.assessments, name="assessments"),
    # progress
    path("utveckling/", progress.progress, name="progress"),
    path("lakare/<uuid:user_id>/utveckling/", progress.trainee_progress, name="trainee_progress"),
    path("jamfor/", progress.compare, name="compare"),
    path("<uuid:form_id>/pdf/", progress.form_pdf, name="pdf"),
    # coordinator
    path("lakare/", coordinator.trainee_list, name="trainees"),
    path("lakare/ny/", coordinator.add_trainee, name="add_trainee"),
    path("lakare/<uuid:user_id>/", coordinator.trainee_forms, name="trainee_forms"),
    path("lakare/<uuid:user_id>/utbildning/", coordinator.trainee_training, name="trainee_training"),
    path("<uuid:form_id>/andring/", coordinator.amend, name="amend"),
]
