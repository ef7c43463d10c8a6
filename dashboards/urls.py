from django.urls import path

from dashboards import structure_views, views

app_name = "dashboards"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("todo/", views.todo, name="todo"),
    path("dashboard/city/<str:code>/", views.dashboard, {"level": "city"}, name="dashboard_city"),
    path("dashboard/county/<str:code>/", views.dashboard, {"level": "county"}, name="dashboard_county"),
    path("dashboard/township/<str:code>/", views.dashboard, {"level": "township"}, name="dashboard_township"),
    path("dashboard/pool/", views.pool_card_view, name="pool_card"),
    path("dashboard/city/<str:code>/pool/", views.pool_card_view, {"level": "city"}, name="pool_card_city"),
    path("dashboard/county/<str:code>/pool/", views.pool_card_view, {"level": "county"}, name="pool_card_county"),
    path("dashboard/township/<str:code>/pool/", views.pool_card_view, {"level": "township"}, name="pool_card_township"),
    path("structure/<str:level>/<str:code>/", structure_views.structure, name="structure"),
    path(
        "structure/<str:level>/<str:code>/<str:form>.xlsx", structure_views.statistics_export, name="statistics_export"
    ),
]
