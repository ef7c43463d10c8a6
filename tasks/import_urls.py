from django.urls import path

from tasks.views import imports

app_name = "imports"

urlpatterns = [
    path("townships/<str:code>/roster/import/", imports.roster_import, name="roster_import"),
    path("roster/imports/<int:pk>/", imports.roster_import_job, name="roster_import_job"),
    path("roster/imports/<int:pk>/confirm/", imports.roster_import_confirm, name="roster_import_confirm"),
]
