from django.urls import path

from villages.views import home

app_name = "villages"

urlpatterns = [
    path("", home.home, name="home"),
]
