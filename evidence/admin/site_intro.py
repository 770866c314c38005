"""The site introduction's admin, with the topic order checked against the
claims' topics: evidence adds the check, as the site-text app knows no topics."""

from django import forms
from django.contrib import admin

from sitecontent.admin import SiteIntroAdmin
from sitecontent.models import SiteIntro, topic_order_parse

from ..models import Topic


class SiteIntroForm(forms.ModelForm):
    class Meta:
        model = SiteIntro
        fields = ["subject", "intro", "topic_order"]

    def clean_topic_order(self):
        topic_order = self.cleaned_data["topic_order"]
        unknown = [
            name for name in topic_order_parse(topic_order) if name not in Topic.values
        ]
        if unknown:
            raise forms.ValidationError(
                f"Unknown topic{'s' if len(unknown) > 1 else ''}: "
                f"{', '.join(unknown)}. The topics are {', '.join(Topic.values)}."
            )
        return topic_order


class TopicCheckedSiteIntroAdmin(SiteIntroAdmin):
    form = SiteIntroForm


admin.site.unregister(SiteIntro)
admin.site.register(SiteIntro, TopicCheckedSiteIntroAdmin)
