from __future__ import annotations

from rest_framework import serializers

from workflows.models import (
    HumanTask,
    InstanceEvent,
    ProcessDefinition,
    ProcessInstance,
    ProcessVersion,
    TaskComment,
)


class ProcessVersionSerializer(serializers.ModelSerializer):
    deployed_by = serializers.CharField(source="deployed_by.username", default=None, read_only=True)
    key = serializers.CharField(source="definition.key", read_only=True)

    class Meta:
        model = ProcessVersion
        fields = ["id", "key", "version", "name", "checksum", "deployed_by", "deployed_at"]


class ProcessDefinitionSerializer(serializers.ModelSerializer):
    versions = ProcessVersionSerializer(many=True, read_only=True)

    class Meta:
        model = ProcessDefinition
        fields = ["key", "name", "latest_version", "versions"]


class DeployRequestSerializer(serializers.Serializer):
    bpmn_xml = serializers.CharField(max_length=2_000_000, trim_whitespace=False)
    dmn_xml = serializers.ListField(
        child=serializers.CharField(max_length=2_000_000, trim_whitespace=False), required=False, default=list
    )


class DeployResponseSerializer(ProcessVersionSerializer):
    created = serializers.BooleanField(read_only=True)

    class Meta(ProcessVersionSerializer.Meta):
        fields = [*ProcessVersionSerializer.Meta.fields, "created"]


class StartRequestSerializer(serializers.Serializer):
    process_key = serializers.CharField(max_length=100)
    estate = serializers.IntegerField()
    business_key = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    variables = serializers.DictField(required=False, default=dict)


class TaskSerializer(serializers.ModelSerializer):
    process_instance = serializers.IntegerField(source="instance_id", read_only=True)
    assignee = serializers.CharField(source="assignee.username", default=None, read_only=True)
    completed_by = serializers.CharField(source="completed_by.username", default=None, read_only=True)
    overdue = serializers.SerializerMethodField()
    variables = serializers.SerializerMethodField()

    class Meta:
        model = HumanTask
        fields = [
            "id",
            "name",
            "task_key",
            "process_instance",
            "process_key",
            "business_key",
            "estate",
            "status",
            "assignee",
            "candidate_groups",
            "candidate_users",
            "due_at",
            "overdue",
            "priority",
            "created_at",
            "claimed_at",
            "completed_at",
            "completed_by",
            "form",
            "variables",
        ]

    def get_overdue(self, task) -> bool:
        now = self.context.get("now")
        return bool(task.status == "open" and task.due_at and now and task.due_at < now)

    def get_variables(self, task) -> dict:
        if not self.context.get("with_variables"):
            return {}
        return task.instance.variables if task.status == "open" else (task.data or {})

    def to_representation(self, task) -> dict:
        """The fields above, written out: this is the answer to every task call and each row of every inbox
        page, and DRF's generic path (a field object built and bound per attribute, per serializer) costs more
        CPU than the rest of a completion's request. tests/workflows/test_task_representation.py holds it to
        the generic path's output."""
        moment = _DATETIME.to_representation
        return {
            "id": task.pk,
            "name": task.name,
            "task_key": task.task_key,
            "process_instance": task.instance_id,
            "process_key": task.process_key,
            "business_key": task.business_key,
            "estate": task.estate_id,
            "status": task.status,
            "assignee": task.assignee.username if task.assignee_id is not None else None,
            "candidate_groups": task.candidate_groups,
            "candidate_users": task.candidate_users,
            "due_at": moment(task.due_at),
            "overdue": self.get_overdue(task),
            "priority": task.priority,
            "created_at": moment(task.created_at),
            "claimed_at": moment(task.claimed_at),
            "completed_at": moment(task.completed_at),
            "completed_by": task.completed_by.username if task.completed_by_id is not None else None,
            "form": task.form,
            "variables": self.get_variables(task),
        }


_DATETIME = serializers.DateTimeField(read_only=True)  # its to_representation: the settings' format and zone


class EventSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", default=None, read_only=True)
    task = serializers.IntegerField(source="task_id", read_only=True)

    class Meta:
        model = InstanceEvent
        fields = ["id", "type", "task", "task_key", "user", "at", "data"]


class InstanceSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version.version", read_only=True)

    class Meta:
        model = ProcessInstance
        fields = [
            "id",
            "process_key",
            "version",
            "estate",
            "business_key",
            "status",
            "started_at",
            "ended_at",
            "next_timer_at",
            "incident",
        ]


class InstanceDetailSerializer(InstanceSerializer):
    open_tasks = serializers.SerializerMethodField()
    history = serializers.SerializerMethodField()

    class Meta(InstanceSerializer.Meta):
        fields = [*InstanceSerializer.Meta.fields, "variables", "open_tasks", "history"]

    def get_open_tasks(self, instance) -> list[dict]:
        tasks = instance.tasks.filter(status="open").select_related("assignee").order_by("id")
        return TaskSerializer(tasks, many=True, context=self.context).data

    def get_history(self, instance) -> list[dict]:
        return EventSerializer(instance.events.select_related("user").order_by("at", "id"), many=True).data


class CompleteRequestSerializer(serializers.Serializer):
    data = serializers.JSONField(required=False, default=dict)


class AssignRequestSerializer(serializers.Serializer):
    user = serializers.CharField(max_length=150)


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", default=None, read_only=True)

    class Meta:
        model = TaskComment
        fields = ["id", "author", "text", "at"]
        read_only_fields = ["id", "author", "at"]


class MessageRequestSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    business_key = serializers.CharField(max_length=100, allow_blank=True, required=False, default="")
    payload = serializers.DictField(required=False, default=dict)
    estate = serializers.IntegerField(
        required=False,
        help_text="For messages that start a process: the estate of the new instance (default: the caller's "
        "only estate).",
    )


class MessageResponseSerializer(serializers.Serializer):
    delivered_to = serializers.ListField(child=serializers.IntegerField())
