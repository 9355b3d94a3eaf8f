"""Experiment cards: the chapter's exercises and BN's research results, each a question answered
by a seeded run within a stated budget, shown beside the published headline (see catalog.CARDS)."""
