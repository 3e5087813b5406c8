"""The shop's own signals, in a blinker Namespace (as Flask extensions define theirs)."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent by flaskshop.orders.checkout with the app as sender.
cart_checked_out = _signals.signal("cart-checked-out")

# Sent by the coupon view; received by the factory's connect_via(app) receiver.
coupon_applied = _signals.signal("coupon-applied")

# Has a receiver (flaskshop.receivers.reorder_stock) but nothing sends it: a dead receiver.
stock_depleted = _signals.signal("stock-depleted")

# Meant for a newsletter that was never written: no receiver and no sender, an unused signal.
newsletter_sent = _signals.signal("newsletter-sent")
