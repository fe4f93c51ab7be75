"""The web workspace's pages. Names are used by templates and tests: keep them stable."""

from django.urls import path

from . import auth, dashboard, editor, inbox, instances, portal

app_name = "web"

urlpatterns = [
    path("", auth.home, name="home"),
    path("login/", auth.login_view, name="login"),
    path("logout/", auth.logout_view, name="logout"),
    # staff: inbox and tasks
    path("tasks/", inbox.inbox, name="inbox"),
    path("tasks/rows/", inbox.inbox_rows, name="inbox_rows"),
    path("tasks/count/", inbox.inbox_count, name="inbox_count"),
    path("tasks/<int:task_id>/", inbox.task_detail, name="task"),
    path("tasks/<int:task_id>/claim/", inbox.task_claim, name="task_claim"),
    path("tasks/<int:task_id>/unclaim/", inbox.task_unclaim, name="task_unclaim"),
    path("tasks/<int:task_id>/assign/", inbox.task_assign, name="task_assign"),
    path("tasks/<int:task_id>/complete/", inbox.task_complete, name="task_complete"),
    path("tasks/<int:task_id>/comments/", inbox.task_comment, name="task_comment"),
    # staff: process instances
    path("instances/", instances.instance_list, name="instances"),
    path("instances/<int:instance_id>/", instances.instance_detail, name="instance"),
    path("instances/<int:instance_id>/<str:action>/", instances.instance_action, name="instance_action"),
    # process owners: the BPMN editor
    path("processes/", editor.process_list, name="processes"),
    path("processes/new/", editor.editor, name="editor_new"),
    path("processes/validate/", editor.validate, name="editor_validate"),
    path("processes/deploy/", editor.deploy, name="editor_deploy"),
    path("processes/<str:key>/v<int:number>/", editor.editor, name="editor"),
    path("processes/<str:key>/v<int:number>.bpmn", editor.download, name="process_xml"),
    # managers
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    # owners: the portal
    path("portal/", portal.portal_home, name="portal"),
    path("portal/repairs/new/", portal.repair_new, name="portal_repair_new"),
    path("portal/repairs/<int:order_id>/", portal.repair_detail, name="portal_repair"),
    path("portal/tasks/<int:task_id>/complete/", portal.task_complete, name="portal_task_complete"),
    path("portal/notifications/", portal.notifications, name="notifications"),
    path("portal/notifications/read/", portal.notifications_read, name="notifications_read"),
]
