"""The client's address, as the login lock-out and the rate limits count it (django-axes + django-ipware)."""

from mittist.ratelimit import client_key


def behind_nginx(settings):
    # What AXES_PROXY_COUNT=1 sets (mittist/settings.py).
    settings.AXES_IPWARE_PROXY_COUNT = 0
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")


def test_behind_a_proxy_each_client_counts_on_its_own(rf, settings):
    behind_nginx(settings)
    one = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    other = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    again = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert client_key(one) != client_key(other)
    assert client_key(one) == client_key(again)


def test_behind_a_proxy_a_forged_header_gives_no_fresh_address(rf, settings):
    behind_nginx(settings)
    # The client sent "X-Forwarded-For: <forged>" and nginx appended the address it came from: ipware finds
    # more hops than proxies and falls back to the proxy's address, the same whatever was forged. So forging
    # never buys a new, uncounted address.
    forged = [rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.5")
              for n in range(1, 4)]
    assert len({client_key(request) for request in forged}) == 1
    assert client_key(forged[0]) != client_key(rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1"))


def test_without_a_proxy_a_client_cannot_pick_its_address_with_the_header(rf):
    one = rf.get("/", REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="203.0.113.5")
    other = rf.get("/", REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert client_key(one) == client_key(other)
