"""The moderators' side of the admin: the queue, standings, the action log and site roles.

Every page goes through `moderation_admin_view` (anonymous: the login page; signed in but not
a moderator: 403) and every queryset through moderation.access. Actions call services; the
markup lives in templates under admin/moderation/, auto-escaped.

Importing this package registers the pages: queue (the queue), standing (standings and the
action log), roles (site roles), and moderation.admin_sites (what site administrators edit).
"""

from moderation import admin_sites  # noqa: F401 - registers the site administrators' pages

from . import queue, roles, standing  # noqa: F401 - each registers its pages
