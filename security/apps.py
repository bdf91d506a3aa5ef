from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class SecurityConfig(AppConfig):
    default = True  # this module also holds the admin's config
    name = "security"
    verbose_name = "Sign-in security"


class ParleyAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with Parley's admin site as `admin.site`."""

    default = False
    default_site = "security.admin_site.ParleyAdminSite"
