"""The `notify` step diagrams may call (an external service task with `camunda:topic="notify"`).

Inputs (`camunda:inputParameter`):
* `to` (required): the recipient's username, usually `${some_variable}`. Empty notifies nobody (a repair
  reported by phone has no account to tell); a name that is no user is an incident, so the process owner
  sees the mistake in the diagram.
* `template` (required): a template code (`generic`, `work_order.done`, ...; see `templates.py`).
* `channel`: `in_app` (default), `email` or `sms`.
* `subject`, `body`: the text of the `generic` template; other templates may use them too.
* `key`: optional, for a task the process passes more than once (a loop): a value that differs per pass,
  such as `${rework_count}`. Without it, one task notifies one recipient on one channel once per instance.

The template sees `business_key` (also as `number`: a repair's business key is its work order number),
`process_key`, `subject` and `body`. The step's dedup key is `wf:<instance>:<task>:<to>:<channel>`, so an
operator's retry of the step, or the engine running it again, never notifies twice.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from backoffice.core.errors import ValidationFailed
from workflows.registry import register_operation

from .choices import NotificationChannel
from .services import notification_queue


def notify(
    *,
    context: Any,
    to: Any,
    template: Any,
    channel: Any = NotificationChannel.IN_APP,
    subject: Any = "",
    body: Any = "",
    key: Any = "",
) -> None:
    username = str(to or "").strip()
    if not username:
        return None
    recipient = get_user_model().objects.filter(username=username).first()
    if recipient is None:
        raise ValidationFailed.for_field(
            "to", _("No user is called %(name)s.") % {"name": username}, code="unknown_user"
        )
    if not recipient.is_active:
        return None
    channel = str(channel or NotificationChannel.IN_APP).strip()
    dedup_key = f"wf:{context.instance_id}:{context.task_key}:{username}:{channel}"
    if key not in (None, ""):
        dedup_key += f":{key}"
    notification_queue(
        recipient=recipient,
        channel=channel,
        template=str(template or "").strip(),
        context={
            "business_key": context.business_key,
            "number": context.business_key,
            "process_key": context.process_key,
            "subject": "" if subject is None else str(subject),
            "body": "" if body is None else str(body),
        },
        estate_id=context.estate_id,
        dedup_key=dedup_key,
    )
    return None


def register() -> None:
    register_operation(
        "notify",
        notify,
        inputs={"to": str, "template": str, "channel": str, "subject": str, "body": str, "key": str},
        required={"to", "template"},
        description="Notify a user (in-app, e-mail or SMS) from a template",
    )
