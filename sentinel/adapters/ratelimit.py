"""Discord's rate limits, learnt from the answers and shared by every worker through Redis.

Discord says not to hard-code limits but to read them from each answer
(https://discord.com/developers/docs/topics/rate-limits): `X-RateLimit-Bucket` names a bucket
(per top-level resource: channel, guild, webhook), `X-RateLimit-Remaining` and
`X-RateLimit-Reset-After` say how much is left and for how long, and a 429 carries
`retry_after` and whether the limit was global. Every 401, 403 and 429 counts towards the
invalid-request ban (10,000 per 10 minutes), so the goal is to never send into an exhausted
bucket rather than to recover from 429s.

Hand-written because no maintained Python library keeps Discord's server-announced buckets in
Redis for many processes (libraries like `limits` enforce limits the client knows beforehand).
The decision runs in one Lua script on Redis's clock, so workers on hosts with skewed clocks
agree, and two workers can never both take the last request of a bucket.
"""

from __future__ import annotations

from collections.abc import Mapping

import redis

from sentinel.adapters.redis_keys import PREFIX

GLOBAL_KEY = f"{PREFIX}rl:global"
ROUTE_KEY = f"{PREFIX}rl:route:"  # route -> the bucket hash Discord named for it
BUCKET_KEY = f"{PREFIX}rl:bucket:"
# A bucket never seen: the first request goes alone as a probe; others wait for its answer
# (at most this long) instead of all rushing into a bucket of unknown size.
PROBE_S = 2.0
STATE_TTL_S = 3600

# KEYS[1] bucket state, KEYS[2] global; ARGV[1] probe seconds, ARGV[2] state TTL seconds.
# Returns seconds to wait (0: go).
# After a reset, a bucket whose size is known starts full again; an unknown one is probed.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local g = tonumber(redis.call('GET', KEYS[2]) or '0')
if g > now then return tostring(g - now) end
local st = redis.call('HMGET', KEYS[1], 'remaining', 'reset_at', 'limit')
local remaining, reset_at, limit = tonumber(st[1]), tonumber(st[2]), tonumber(st[3])
if remaining == nil or now >= reset_at then
  remaining = (limit or 1)
  redis.call('HSET', KEYS[1], 'remaining', remaining, 'reset_at', now + tonumber(ARGV[1]))
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
if remaining > 0 then
  redis.call('HINCRBY', KEYS[1], 'remaining', -1)
  return '0'
end
return tostring(reset_at - now)
"""

# KEYS[1] bucket state; ARGV[1] remaining, ARGV[2] reset_after seconds, ARGV[3] limit or '',
# ARGV[4] state TTL seconds.
# Answers arrive out of order when several requests of a bucket are in flight: within the same
# window the smaller count wins, so an early answer cannot hand out slots already taken.
_UPDATE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local reset_at = now + tonumber(ARGV[2])
local remaining = tonumber(ARGV[1])
local st = redis.call('HMGET', KEYS[1], 'remaining', 'reset_at')
if st[1] and st[2] and math.abs(tonumber(st[2]) - reset_at) < 1.0 then
  remaining = math.min(remaining, tonumber(st[1]))
end
redis.call('HSET', KEYS[1], 'remaining', remaining, 'reset_at', reset_at)
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'limit', ARGV[3]) end
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
"""

# KEYS[1] a bucket (ARGV[2] == 'bucket') or the global key; ARGV[1] seconds to block it,
# ARGV[3] state TTL seconds.
_BLOCK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local until_ = now + tonumber(ARGV[1])
if ARGV[2] == 'bucket' then
  redis.call('HSET', KEYS[1], 'remaining', 0, 'reset_at', until_)
else
  local g = tonumber(redis.call('GET', KEYS[1]) or '0')
  if until_ > g then redis.call('SET', KEYS[1], tostring(until_)) end
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"""


class RateLimiter:
    def __init__(self, client: redis.Redis) -> None:
        self.redis = client
        self._acquire = client.register_script(_ACQUIRE)
        self._update = client.register_script(_UPDATE)
        self._block = client.register_script(_BLOCK)

    def _bucket(self, route: str, major: str) -> str:
        named = self.redis.get(ROUTE_KEY + route)
        bucket = named.decode() if isinstance(named, bytes) else (named or route)
        return f"{BUCKET_KEY}{bucket}:{major}"

    def acquire(self, route: str, major: str) -> float:
        """Seconds to wait before this request may go; 0.0 means go now (a slot is taken)."""
        return float(self._acquire(keys=[self._bucket(route, major), GLOBAL_KEY],
                                   args=[PROBE_S, STATE_TTL_S]))

    def remaining(self, route: str, major: str) -> int | None:
        """Requests left in the bucket now, or None when no answer has told us yet."""
        value = self.redis.hget(self._bucket(route, major), "remaining")
        return int(value) if value is not None else None

    def learn(self, route: str, major: str, headers: Mapping[str, str]) -> None:
        """Record what an answer said about its bucket (any status, 429 included)."""
        bucket = headers.get("x-ratelimit-bucket")
        if bucket:
            self.redis.set(ROUTE_KEY + route, bucket, ex=STATE_TTL_S)
        remaining, reset_after = (headers.get("x-ratelimit-remaining"),
                                  headers.get("x-ratelimit-reset-after"))
        if remaining is None or reset_after is None:
            # An API that announces no limits (the bot API may not): release the probe's
            # reservation, or every request would wait for the probe window to pass.
            self.redis.delete(self._bucket(route, major))
            return
        limit = headers.get("x-ratelimit-limit") or ""
        try:
            self._update(keys=[self._bucket(route, major)],
                         args=[int(remaining), max(0.0, float(reset_after)),
                               str(int(limit)) if limit else "", STATE_TTL_S])
        except ValueError:
            return  # unreadable headers: the next answer will say again

    def blocked(self, route: str, major: str, retry_after_s: float, *, is_global: bool) -> None:
        """A 429: nobody sends into that bucket (or anywhere, if global) for retry_after_s."""
        if is_global:
            self._block(keys=[GLOBAL_KEY], args=[retry_after_s, "global", STATE_TTL_S])
        else:
            self._block(keys=[self._bucket(route, major)],
                        args=[retry_after_s, "bucket", STATE_TTL_S])
