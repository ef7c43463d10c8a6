from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from backend import health

# The admin speaks the product's name, not "Django 管理".
admin.site.site_header = "村级后备干部管理 · 系统维护"
admin.site.site_title = "村级后备干部管理"
admin.site.index_title = "系统维护"

urlpatterns = [
    path("login/", login_not_required(auth_views.LoginView.as_view()), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("backend.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Split view: the init script is a separate file (CSP: no inline script); template without inline <style>.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
    path("healthz", health.healthz, name="healthz"),
    path("", include("reserves.urls")),
    path("", include("tasks.urls")),
    path("", include("tasks.import_urls")),
    path("", include("dashboards.urls")),
    path("", include("villages.urls")),
]

handler500 = "backend.middleware.server_error"
