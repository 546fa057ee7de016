"""Discord's documented rules that every emulator enforces, so code cannot tell the difference.

https://discord.com/developers/docs/resources/message#create-message and
https://discord.com/developers/docs/resources/message#embed-object-embed-limits
"""

from __future__ import annotations

from typing import Any

from sentinel.core import discord_limits as lim
from sentinel.core.alerts import NONCE_MAX_CHARS

INVALID_FORM_BODY = 50035  # Discord's JSON error code for a body that breaks a rule


def embed_problems(payload: dict[str, Any]) -> list[str]:
    """Every rule the message body breaks, as Discord would list them (empty: valid)."""
    problems: list[str] = []
    content = payload.get("content")
    if content is not None and len(content) > lim.MESSAGE_CONTENT_CHARS:
        problems.append("content: Must be 2000 or fewer in length.")
    embeds = payload.get("embeds") or []
    if not isinstance(embeds, list) or len(embeds) > lim.MESSAGE_EMBEDS:
        problems.append("embeds: Must be 10 or fewer in length.")
        return problems
    if not content and not embeds:
        problems.append("Cannot send an empty message")
    nonce = payload.get("nonce")
    if nonce is not None and len(str(nonce)) > NONCE_MAX_CHARS:
        problems.append("nonce: Must be 25 or fewer in length.")
    total = 0
    for i, embed in enumerate(embeds):
        checks = [
            ("title", embed.get("title", ""), lim.EMBED_TITLE_CHARS),
            ("description", embed.get("description", ""), lim.EMBED_DESCRIPTION_CHARS),
            ("footer.text", (embed.get("footer") or {}).get("text", ""), lim.EMBED_FOOTER_CHARS),
            ("author.name", (embed.get("author") or {}).get("name", ""),
             lim.EMBED_AUTHOR_NAME_CHARS),
        ]
        fields = embed.get("fields") or []
        if len(fields) > lim.EMBED_FIELDS:
            problems.append(f"embeds.{i}.fields: Must be 25 or fewer in length.")
        for j, field in enumerate(fields):
            checks.append((f"fields.{j}.name", field.get("name", ""), lim.EMBED_FIELD_NAME_CHARS))
            checks.append((f"fields.{j}.value", field.get("value", ""),
                           lim.EMBED_FIELD_VALUE_CHARS))
            if not field.get("name") or not field.get("value"):
                problems.append(f"embeds.{i}.fields.{j}: name and value are required")
        for where, text, limit in checks:
            total += len(text)
            if len(text) > limit:
                problems.append(f"embeds.{i}.{where}: Must be {limit} or fewer in length.")
    if total > lim.EMBED_TOTAL_CHARS:
        problems.append(f"embeds: Embed size exceeds maximum size of {lim.EMBED_TOTAL_CHARS}")
    return problems


def error_body(problems: list[str]) -> dict[str, Any]:
    return {"code": INVALID_FORM_BODY, "message": "Invalid Form Body",
            "errors": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": p}
                                   for p in problems]}}
