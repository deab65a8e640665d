"""Free text people and programs write: order comments, feedback, error messages, traces.

Now and then the text holds what must not reach the logs unmasked: a card number typed
into an order comment, a phone in a feedback, an email in an exception message.
"""

from __future__ import annotations

from logyard.sim._people import Person
from logyard.sim._world import World

__all__ = [
    "feedback_comment",
    "order_comment",
    "payment_error",
    "stack_trace",
]


def order_comment(w: World, person: Person) -> str | None:
    """What a customer writes in the order's comment field (mostly nothing)."""
    r = w.rnd()
    if r < 0.55:
        return None
    if r < 0.60:
        return f"оплачу картой {w.card()}"
    if r < 0.62:
        return f"Please charge card {w.card()}, thanks"
    if r < 0.72:
        return f"Позвоните перед доставкой: {w.phone(person)}"
    if r < 0.80:
        return "домофон не работает, звоните на мобильный"
    if r < 0.88:
        return "Подарочная упаковка, пожалуйста"
    if r < 0.94:
        return f"Получатель: {person.name}, {w.phone(person)}"
    return "нужно к пятнице, можно срочную печать?"


_GOOD = (
    "Спасибо, всё отлично!",
    "Фигурка супер, качество печати отличное",
    "Быстро напечатали и доставили",
    "Great print quality, will order again",
    "Всё понравилось",
)
_BAD = (
    "Долго доставляли",
    "Цвет не совпадает с фото",
    "Фигурка пришла со сколом",
    "Менеджер не перезвонил",
)


def feedback_comment(w: World, person: Person | None, score: int) -> str | None:
    """A CSAT comment; unhappy customers sometimes leave a card or phone for a refund."""
    r = w.rnd()
    if r < 0.4:
        return None
    if score >= 4:
        return w.pick(_GOOD)
    if person is not None and r < 0.55:
        return f"Верните деньги на карту {w.card()}, {w.pick(_BAD).lower()}"
    if person is not None and r < 0.7:
        return f"{w.pick(_BAD)}. Перезвоните мне: {w.phone(person)}, {person.name_latin}"
    return w.pick(_BAD)


def payment_error(w: World, person: Person) -> tuple[str, str]:
    """An ERROR from the payment provider that echoes the card and the payer's email."""
    card = w.card()
    return (
        "PaymentDeclinedError",
        f"payment declined by issuer (insufficient funds): card {card}, payer {person.email}",
    )


_TRACES = {
    "shop-api": (
        'File "/app/shop_api/orders.py", line 142, in create_order',
        'File "/app/shop_api/payments.py", line 88, in charge',
        'File "/usr/lib/python3.12/site-packages/httpx/_client.py", line 1014, in send',
    ),
    "crm-api": (
        'File "/app/crm_api/consumer.py", line 57, in on_message',
        'File "/app/crm_api/repository.py", line 203, in upsert_order',
        'File "/usr/lib/python3.12/site-packages/psycopg/connection.py", line 1022, in execute',
    ),
    "mes-api": (
        'File "/app/mes_api/calc.py", line 311, in calculate',
        'File "/app/mes_api/slicer.py", line 76, in slice_model',
        'File "/app/mes_api/gcode.py", line 140, in estimate',
    ),
}
_DEFAULT_TRACE = (
    'File "/app/server.py", line 48, in handle',
    'File "/app/handlers.py", line 121, in dispatch',
)


def stack_trace(system: str, error_type: str, message: str) -> str:
    """A Python traceback for ``error_type`` raised in ``system``."""
    frames = _TRACES.get(system, _DEFAULT_TRACE)
    body = "\n".join(f"  {f}" for f in frames)
    return f"Traceback (most recent call last):\n{body}\n{error_type}: {message}"
