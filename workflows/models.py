"""Persistence of the BPM runtime: definitions and their immutable versions, instances (one row each, with
the serialized engine state), the human-task projection that inboxes read, message subscriptions, history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import EventType, InstanceStatus, TaskStatus


class ProcessDefinition(models.Model):
    """A process key (the BPMN process id) and its display name; versions hang off it."""

    key = models.CharField(_("key"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    latest_version = models.PositiveIntegerField(_("latest version"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("process definition")
        verbose_name_plural = _("process definitions")
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key


class ProcessVersion(models.Model):
    """One deploy of a process: the XML as drawn, any DMN tables deployed with it, never changed afterwards."""

    definition = models.ForeignKey(
        ProcessDefinition, verbose_name=_("definition"), on_delete=models.CASCADE, related_name="versions"
    )
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    bpmn_xml = models.TextField(_("BPMN XML"))
    dmn_xml = models.JSONField(_("DMN XML"), default=list, blank=True)
    checksum = models.CharField(_("checksum"), max_length=64, db_index=True)
    deployed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deployed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    deployed_at = models.DateTimeField(_("deployed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("process version")
        verbose_name_plural = _("process versions")
        ordering = ["definition_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["definition", "version"], name="process_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.definition.key} v{self.version}"


class StartMessage(models.Model):
    """A message name that starts a version (message start event); delivery finds it by index."""

    version = models.ForeignKey(ProcessVersion, on_delete=models.CASCADE, related_name="start_messages")
    message_name = models.CharField(max_length=200, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "message_name"], name="start_message_unique")
        ]

    def __str__(self) -> str:
        return f"{self.message_name} → {self.version}"


class ProcessInstance(models.Model):
    """A running or finished process. `state` is the serialized SpiffWorkflow workflow without its spec."""

    version = models.ForeignKey(
        ProcessVersion, verbose_name=_("version"), on_delete=models.PROTECT, related_name="+"
    )
    process_key = models.CharField(_("process"), max_length=100, db_index=True)
    estate = models.ForeignKey(
        "estates.Estate",
        verbose_name=_("estate"),
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=True,
    )
    business_key = models.CharField(_("business key"), max_length=100, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=16, choices=InstanceStatus.choices, default=InstanceStatus.RUNNING
    )
    state = models.JSONField(_("engine state"), default=dict)
    variables = models.JSONField(_("variables"), default=dict, blank=True)
    revision = models.PositiveIntegerField(_("revision"), default=0)
    next_timer_at = models.DateTimeField(_("next timer"), null=True, blank=True, db_index=True)
    incident = models.JSONField(_("incident"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("process instance")
        verbose_name_plural = _("process instances")
        ordering = ["-id"]
        indexes = [models.Index(fields=["estate", "status"], name="instance_estate_status_idx")]

    def __str__(self) -> str:
        return f"{self.process_key} #{self.pk} {self.business_key}".strip()


class HumanTask(models.Model):
    """One user task as inboxes see it: a projection of the engine state, updated by difference per step."""

    instance = models.ForeignKey(  # indexed by task_instance_status_idx and task_unique_engine_id
        ProcessInstance,
        verbose_name=_("instance"),
        on_delete=models.CASCADE,
        related_name="tasks",
        db_index=False,
    )
    estate = models.ForeignKey(
        "estates.Estate", verbose_name=_("estate"), on_delete=models.PROTECT, related_name="+"
    )
    process_key = models.CharField(_("process"), max_length=100)
    business_key = models.CharField(_("business key"), max_length=100, blank=True)  # task_business_key_idx
    engine_task_id = models.CharField(_("engine task id"), max_length=36)
    task_key = models.CharField(_("task key"), max_length=100)
    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    assignee = models.ForeignKey(  # indexed by task_assignee_open_idx
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    candidate_groups = models.JSONField(_("candidate groups"), default=list, blank=True)
    candidate_users = models.JSONField(_("candidate users"), default=list, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    priority = models.IntegerField(_("priority"), default=50)
    form = models.JSONField(_("form"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"))
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("completed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    data = models.JSONField(_("submitted data"), null=True, blank=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["assignee", "status", "due_at"], name="task_assignee_open_idx"),
            models.Index(fields=["instance", "status"], name="task_instance_status_idx"),
            models.Index(fields=["status", "estate", "due_at"], name="task_status_estate_due_idx"),
            # Exact lookups only (`?business_key=`): db_index would add a second, pattern-ops index on
            # PostgreSQL that no query uses and every task insert and completion would keep up.
            models.Index(fields=["business_key"], name="task_business_key_idx"),
            # The inbox (bench/bench_inbox.py): open tasks only, in the inbox's orderings, carrying what its
            # filter reads (id, assignee) so the page walks one small index and COUNT(*) never visits the
            # table, however many completed tasks there are.
            models.Index(
                fields=["-priority", "due_at", "id", "assignee"],
                condition=models.Q(status="open"),
                name="task_open_priority_idx",
            ),
            models.Index(
                fields=["due_at", "id", "assignee"],
                condition=models.Q(status="open"),
                name="task_open_due_idx",
            ),
            # The inbox's COUNT(*) reads only these two columns of every open task: the narrowest index
            # holding them is the one it scans fastest.
            models.Index(
                fields=["assignee", "id"],
                condition=models.Q(status="open"),
                name="task_open_assignee_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["instance", "engine_task_id"], name="task_unique_engine_id"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.business_key or self.instance_id})"


class TaskCandidate(models.Model):
    """Who may take an open task: a role in the task's estate, or a named user. Rows exist only while open,
    so an inbox is an index lookup on a small table.

    A projection only the engine writes, under its instance's lock, in the step that writes the task: its keys
    are not checked again by the database at every commit (db_constraint=False); deletions still cascade
    through Django."""

    task = models.ForeignKey(
        HumanTask, on_delete=models.CASCADE, related_name="candidates", db_constraint=False
    )
    estate = models.ForeignKey(
        "estates.Estate", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    group = models.CharField(max_length=32, blank=True)
    username = models.CharField(max_length=150, blank=True)
    # A copy of "the task has an assignee", kept by claim, release and assign: the inbox counts the tasks still
    # offered from this table's indexes alone, without visiting the tasks.
    assigned = models.BooleanField(default=False)

    class Meta:
        indexes = [  # with the task id, so the inbox reads the ids it offers from the index alone
            models.Index(fields=["group", "estate", "assigned", "task"], name="candidate_group_open_idx"),
            models.Index(fields=["username", "assigned", "task"], name="candidate_user_open_idx"),
        ]

    def __str__(self) -> str:
        return self.group or self.username


class MessageSubscription(models.Model):
    """An instance waiting for a message name with its business key; delivery is a lookup, not a scan."""

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="subscriptions")
    message_name = models.CharField(max_length=200)
    business_key = models.CharField(max_length=100, blank=True)

    class Meta:
        indexes = [models.Index(fields=["message_name", "business_key"], name="subscription_lookup_idx")]
        constraints = [
            models.UniqueConstraint(fields=["instance", "message_name"], name="subscription_unique")
        ]

    def __str__(self) -> str:
        return f"{self.message_name} / {self.business_key}"


class InstanceEvent(models.Model):
    """One line of an instance's history: who did what to which task, when, with which data.

    Append-only, written by the engine alone in the step that makes the rows it names (under the instance's
    lock), two or three rows a step: like a history log, its keys are not checked again by the database at
    every commit (db_constraint=False); Django still cascades and nulls them when an instance, task or user
    goes. No index on the user: only deleting a user asks by it."""

    instance = models.ForeignKey(  # indexed by event_instance_at_idx
        ProcessInstance, on_delete=models.CASCADE, related_name="events", db_index=False, db_constraint=False
    )
    at = models.DateTimeField(_("at"))
    type = models.CharField(_("type"), max_length=16, choices=EventType.choices)
    task = models.ForeignKey(
        HumanTask, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False
    )
    task_key = models.CharField(_("task key"), max_length=100, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    data = models.JSONField(_("data"), null=True, blank=True)

    class Meta:
        verbose_name = _("history event")
        verbose_name_plural = _("history")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["instance", "at"], name="event_instance_at_idx")]

    def __str__(self) -> str:
        return f"{self.type} {self.task_key}"


class TaskComment(models.Model):
    task = models.ForeignKey(HumanTask, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("text"))
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.text[:40]
