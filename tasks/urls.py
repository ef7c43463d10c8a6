from django.urls import path

from tasks import views

app_name = "reports"

urlpatterns = [
    path("reports/new/", views.create, name="create"),
    path("reports/<int:pk>/", views.job, name="job"),
    path("reports/<int:pk>/retry/", views.retry, name="retry"),
    path("reports/<int:pk>/download/", views.download, name="download"),
    path("reports/<int:pk>/villages.zip", views.download_zip, name="download_zip"),
]
