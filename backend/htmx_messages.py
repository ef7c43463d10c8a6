"""Success and error messages for htmx requests.

base.html renders pending messages only on a full page; an htmx save swaps a fragment, so its "已保存" would wait
for the next full page. This middleware appends the pending messages to an htmx HTML response as an out-of-band
swap of `#messages` (the pattern of django-htmx's example project), so every save confirms itself where the user
is, without any script.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

# Responses that navigate or carry no swap: leave the messages for the page that follows.
NAVIGATING_HEADERS = ("HX-Redirect", "HX-Location", "HX-Refresh")


class HtmxMessagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not self._takes_messages(request, response):
            return response
        pending = messages.get_messages(request)
        if len(pending):
            response.write(render_to_string("_messages.html", {"messages": pending, "oob": True}, request=request))
        return response

    @staticmethod
    def _takes_messages(request: HttpRequest, response: HttpResponse) -> bool:
        return (
            bool(getattr(request, "htmx", False))
            and not response.streaming
            and response.status_code in (200, 400, 422)
            and response.get("Content-Type", "").startswith("text/html")
            and not any(header in response for header in NAVIGATING_HEADERS)
        )
