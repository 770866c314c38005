from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .forms import TokenCreateForm
from .models import ApiToken


@login_required
def token_list(request):
    """The signed-in user's API tokens: create named ones, revoke any."""
    new_key = None
    form = TokenCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token, new_key = ApiToken.issue(
            user=request.user, name=form.cleaned_data["name"]
        )
        form = TokenCreateForm()
    tokens = ApiToken.objects.filter(user=request.user)
    return render(
        request,
        "accounts/tokens.html",
        {"tokens": tokens, "form": form, "new_key": new_key},
    )


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    token.delete()
    messages.success(
        request,
        f"Revoked the token “{token.name}”. Programs using it can no longer sign in.",
    )
    return redirect("accounts:tokens")
