from django.urls import path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("todo/", views.todo, name="todo"),
    path("dashboard/county/<str:code>/", views.dashboard, {"level": "county"}, name="dashboard_county"),
    path("dashboard/township/<str:code>/", views.dashboard, {"level": "township"}, name="dashboard_township"),
]
