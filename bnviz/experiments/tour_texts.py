"""The guided tour's words: one dict per stop (slug, then the catalogue keys of its title, question,
choices and reveal; bnviz.i18n holds the texts in each language). `{names}` in the texts are filled by
tour_stops.py with numbers computed from the run; a choice list's right answer is computed there.
"""

TEXTS = [
    {
        "slug": "drift",
        "title": "tour.drift.title",
        "question": "tour.drift.question",
        "reveal": "tour.drift.reveal",
        "choices": ["tour.drift.choice0", "tour.drift.choice1", "tour.drift.choice2"],
    },
    {
        "slug": "one-step",
        "title": "tour.one-step.title",
        "question": "tour.one-step.question",
        "reveal": "tour.one-step.reveal",
        "choices": ["tour.one-step.choice0", "tour.one-step.choice1", "tour.one-step.choice2"],
    },
    {
        "slug": "standardised",
        "title": "tour.standardised.title",
        "question": "tour.standardised.question",
        "reveal": "tour.standardised.reveal",
        "choices": ["tour.standardised.choice0", "tour.standardised.choice1", "tour.standardised.choice2"],
    },
    {
        "slug": "gamma-beta",
        "title": "tour.gamma-beta.title",
        "question": "tour.gamma-beta.question",
        "reveal": "tour.gamma-beta.reveal",
        "choices": ["tour.gamma-beta.choice0", "tour.gamma-beta.choice1"],
    },
    {
        "slug": "moving-mean",
        "title": "tour.moving-mean.title",
        "question": "tour.moving-mean.question",
        "reveal": "tour.moving-mean.reveal",
        "choices": ["tour.moving-mean.choice0", "tour.moving-mean.choice1", "tour.moving-mean.choice2"],
    },
    {
        "slug": "train-eval",
        "title": "tour.train-eval.title",
        "question": "tour.train-eval.question",
        "reveal": "tour.train-eval.reveal",
        "choices": ["tour.train-eval.choice0", "tour.train-eval.choice1"],
    },
    {
        "slug": "precise",
        "title": "tour.precise.title",
        "question": "tour.precise.question",
        "question_no_dip": "tour.precise.question_no_dip",
        "reveal": "tour.precise.reveal",
        "choices": ["tour.precise.choice0", "tour.precise.choice1", "tour.precise.choice2"],
    },
    {
        "slug": "claims",
        "title": "tour.claims.title",
        "question": "tour.claims.question",
        "reveal": "tour.claims.reveal",
        "choices": ["tour.claims.choice0", "tour.claims.choice1", "tour.claims.choice2"],
    },
]
