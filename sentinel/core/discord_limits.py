"""Discord's documented limits, in one place.

Source: https://discord.com/developers/docs/resources/message#embed-object-embed-limits
and https://discord.com/developers/docs/resources/message#create-message (content, embeds).
"""

EMBED_TITLE_CHARS = 256
EMBED_DESCRIPTION_CHARS = 4096
EMBED_FIELDS = 25
EMBED_FIELD_NAME_CHARS = 256
EMBED_FIELD_VALUE_CHARS = 1024
EMBED_FOOTER_CHARS = 2048
EMBED_AUTHOR_NAME_CHARS = 256
# The sum of title, description, field names and values, footer text and author name, over
# every embed of one message.
EMBED_TOTAL_CHARS = 6000
MESSAGE_CONTENT_CHARS = 2000
MESSAGE_EMBEDS = 10
