from django.urls import path

from tasks.views import reports as views
from tasks.views import reviews, slates

app_name = "reports"

urlpatterns = [
    path("reports/", views.mine, name="mine"),
    path("reports/new/", views.create, name="create"),
    path("reports/<int:pk>/", views.job, name="job"),
    path("reports/<int:pk>/retry/", views.retry, name="retry"),
    path("reports/<int:pk>/download/", views.download, name="download"),
    path("reports/<int:pk>/villages.zip", views.download_zip, name="download_zip"),
    path("slates/<int:pk>/report.pdf", slates.slate_print, name="slate_print"),
    path("reviews/<int:pk>/form.pdf", reviews.review_form_pdf, name="review_form"),
]
