"""Every card, in the order they are listed: the chapter's exercises first, then research results."""
from .cards import bias, bn_only, dropout, fixed_affine, lr_sweep, momentum, placement, small_batch, smoothness

CARDS = {card.name: card for card in (
    bias.CARD, lr_sweep.CARD, placement.CARD, dropout.CARD, fixed_affine.CARD,
    momentum.CARD, small_batch.CARD, smoothness.CARD, bn_only.CARD)}


def get_card(name):
    """The card called `name`; a ValueError listing the cards otherwise."""
    if name not in CARDS:
        raise ValueError(f"no experiment card {name!r}; the cards are: {', '.join(CARDS)}")
    return CARDS[name]
