"""API tokens: obtain (throttled per client, locked out by django-axes like the login page) and revoke."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import api_view
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle

from backend.security import lockout_message
from villages.http import signed_in_user


class ObtainTokenView(ObtainAuthToken):
    """POST {username, password} → {token}; at most API_THROTTLE_TOKEN (and the anonymous rate) per address."""

    throttle_classes = [AnonRateThrottle, ScopedRateThrottle]
    parser_classes = [JSONParser]  # DRF's view also takes forms; the API's bodies are JSON only
    authentication_classes: list = []  # asking for a token needs no credentials but these (schema: no security)
    permission_classes = [AllowAny]
    throttle_scope = "token"

    def finalize_response(self, request: Request, response: Response, *args, **kwargs) -> Response:
        # django-axes marks the DRF request (its middleware only sees the Django one): answer the lockout here.
        if getattr(request, "axes_locked_out", False):
            response = Response({"detail": lockout_message()}, status=429)
        return super().finalize_response(request, response, *args, **kwargs)


@login_not_required  # authentication is DRF's (token or session); unauthenticated → 401
@extend_schema(request=None, responses={204: None}, summary="Revoke the caller's token")
@api_view(["POST"])
def revoke_token(request: Request) -> Response:
    """Delete the caller's token: later requests with it answer 401. Obtain a new one to continue."""
    Token.objects.filter(user=signed_in_user(request.user)).delete()
    return Response(status=204)


obtain_token = login_not_required(ObtainTokenView.as_view())
