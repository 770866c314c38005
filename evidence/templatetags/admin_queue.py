from django import template

from ..admin_queue import decisions_to_notify
from ..admin_queue import work_queue as queue_of

register = template.Library()


@register.inclusion_tag("admin/evidence/work_queue.html", takes_context=True)
def work_queue(context):
    """The signed-in person's work queue (see :mod:`evidence.admin_queue`)."""
    user = context["request"].user
    return {"decisions": decisions_to_notify(user), "sections": queue_of(user)}
