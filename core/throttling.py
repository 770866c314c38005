"""The API's rate limits, which also tell clients where they stand.

DRF's throttles, plus the ``RateLimit-Limit``, ``RateLimit-Remaining`` and
``RateLimit-Reset`` headers (IETF httpapi-ratelimit-headers) on every answer
of a throttled endpoint, so that a client can slow down before it meets a 429.
When several limits apply, the headers describe the one closest to running out.
"""

import math

from rest_framework import throttling


class RateLimitHeadersMixin:
    def allow_request(self, request, view):
        allowed = super().allow_request(request, view)
        if self.rate is not None and getattr(self, "history", None) is not None:
            remaining = max(0, self.num_requests - len(self.history))
            oldest = self.history[-1] if self.history else self.now
            reset = max(1, math.ceil(self.duration - (self.now - oldest)))
            quota = (remaining, self.num_requests, reset)
            django_request = request._request
            current = getattr(django_request, "rate_limit", None)
            if current is None or quota < current:
                django_request.rate_limit = quota
        return allowed


class AnonRateThrottle(RateLimitHeadersMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(RateLimitHeadersMixin, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(RateLimitHeadersMixin, throttling.ScopedRateThrottle):
    pass


class RateLimitHeadersMiddleware:
    """Write the quota a throttle recorded on the request into the answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        quota = getattr(request, "rate_limit", None)
        if quota is not None:
            remaining, limit, reset = quota
            response["RateLimit-Limit"] = str(limit)
            response["RateLimit-Remaining"] = str(remaining)
            response["RateLimit-Reset"] = str(reset)
        return response
