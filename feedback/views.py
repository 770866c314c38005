"""The "report a problem" form of claim and study pages, and its thank-you page."""

from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from accounts.lockout import client_ip
from evidence.models import Claim
from studies.models import Study

from .forms import ProblemReportForm


def rate_limited(request):
    """Whether this client has sent its reports for the hour (counts this one)."""
    key = f"feedback:reports:{client_ip(request)}"
    cache.add(key, 0, timeout=60 * 60)
    try:
        sent = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=60 * 60)
        sent = 1
    return sent > settings.FEEDBACK_REPORTS_PER_HOUR


def _report(request, *, subject, field):
    if request.method == "POST":
        form = ProblemReportForm(request.POST)
        if rate_limited(request):
            response = render(
                request,
                "feedback/report.html",
                {"form": form, "subject": subject, "rate_limited": True},
                status=429,
            )
            response["Retry-After"] = "3600"
            return response
        if form.is_valid():
            if not form.is_spam():
                report = form.save(commit=False)
                setattr(report, field, subject)
                report.save()
            back = urlencode({"back": subject.get_absolute_url()})
            return redirect(f"{reverse('feedback:thanks')}?{back}")
        status = 400
    else:
        form = ProblemReportForm()
        status = 200
    return render(
        request,
        "feedback/report.html",
        {"form": form, "subject": subject},
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def report_claim(request, slug):
    claim = get_object_or_404(Claim.objects.published(), slug=slug)
    return _report(request, subject=claim, field="claim")


@require_http_methods(["GET", "HEAD", "POST"])
def report_study(request, pk):
    study = get_object_or_404(Study.objects.published(), pk=pk)
    return _report(request, subject=study, field="study")


def thanks(request):
    back = request.GET.get("back", "")
    # Only a path of this site: never a link elsewhere.
    if not back.startswith("/") or not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}
    ):
        back = ""
    return render(request, "feedback/thanks.html", {"back": back})
