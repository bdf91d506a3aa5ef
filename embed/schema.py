"""OpenAPI description of the site token (loaded by EmbedConfig.ready)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class SiteTokenScheme(OpenApiAuthenticationExtension):
    target_class = "embed.authentication.SiteTokenAuthentication"
    name = "siteToken"

    def get_security_definition(self, auto_schema: object) -> dict:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Token pst_…` from single sign-on (POST /api/v1/sites/{site}/sso/); "
                "valid on its own site's endpoints only."
            ),
        }
