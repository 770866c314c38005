from django.contrib.auth import authenticate
from rest_framework import serializers

from core.serializers import ModelSerializer

from .models import ApiToken


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        max_length=128, style={"input_type": "password"}, trim_whitespace=False
    )
    name = serializers.CharField(
        max_length=100,
        required=False,
        default="API token",
        help_text="What the token is for.",
    )

    def validate(self, attrs):
        request = self.context["request"]
        http_request = getattr(request, "_request", request)
        user = authenticate(
            request=http_request, username=attrs["username"], password=attrs["password"]
        )
        if user is None:
            raise serializers.ValidationError(
                "Unable to sign in with the username and password given.",
                code="authorization",
            )
        attrs["user"] = user
        return attrs


class IssuedTokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text="The key: send it as `Authorization: Token <key>`. Shown only once."
    )
    id = serializers.IntegerField()
    name = serializers.CharField()
    expires = serializers.DateTimeField(
        allow_null=True, help_text="When the token stops working; null: never."
    )


class ApiTokenSerializer(ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created", "last_used", "expires"]
        read_only_fields = ["prefix", "created", "last_used", "expires"]
