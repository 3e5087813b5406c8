"""A small tree for the warm-scan tests (the stat index, the tree memo): signals defined, sent,
received and subclassed, and files the scan skips (binary, not UTF-8, not parsable)."""

from __future__ import annotations

TREE: dict[str, str | bytes] = {
    "shop/__init__.py": "",
    "shop/signals.py": """
        from django.dispatch import Signal

        order_placed = Signal()
        basket_addition = Signal()
    """,
    "shop/views.py": """
        from shop.signals import basket_addition, order_placed

        class AddView:
            add_signal = None

            def post(self):
                self.add_signal.send(sender=self)

        def place():
            order_placed.send(sender="Order")
    """,
    # Subclasses in a file without any signal text: found by the subclass check alone.
    "shop/more_views.py": """
        from shop import views
        from shop.signals import basket_addition

        class BasketView(views.AddView):
            add_signal = basket_addition
    """,
    "shop/receivers.py": """
        from django.dispatch import receiver
        from shop.signals import order_placed

        @receiver(order_placed)
        def on_placed(sender, **kwargs):
            pass
    """,
    "shop/utils.py": "def helper():\n    return 1\n",
    "shop/binary.py": b"x = 1\n\0\n",
    "shop/latin.py": b"# caf\xe9\nx = 1\n",
    "shop/broken.py": "from shop.signals import order_placed\norder_placed.send(\n",
}
