"""N-way K-shot episodes for few-shot evaluation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from ..errors import InputError


@dataclass(frozen=True)
class Episode:
    classes: tuple[str, ...]
    support: np.ndarray  # [ways, shots] item indices
    query: np.ndarray  # [ways, queries] item indices


def sample_episodes(labels: list[str], ways: int, shots: int, queries: int, episodes: int,
                    seed: int = 0) -> Iterator[Episode]:
    """Episodes over the classes of ``labels`` (one entry per item); support and query never share a video."""
    by_class: dict[str, np.ndarray] = {}
    for label in dict.fromkeys(labels):
        by_class[label] = np.flatnonzero(np.asarray(labels) == label)
    eligible = sorted(c for c, idx in by_class.items() if len(idx) >= shots + queries)
    if len(eligible) < ways:
        raise InputError(f"{ways}-way {shots}-shot episodes need {ways} classes with at least {shots + queries} "
                         f"videos; only {len(eligible)} have that many")
    rng = np.random.default_rng(seed)
    for _ in range(episodes):
        chosen = rng.choice(len(eligible), size=ways, replace=False)
        classes = tuple(eligible[i] for i in chosen)
        picks = np.stack([rng.choice(by_class[c], size=shots + queries, replace=False) for c in classes])
        yield Episode(classes, picks[:, :shots], picks[:, shots:])


def prototype_accuracy(embeddings: np.ndarray, episode: Episode) -> float:
    """Share of queries whose nearest class prototype (cosine to the mean support embedding) is right."""
    support = embeddings[episode.support]  # [ways, shots, D]
    prototypes = support.mean(axis=1)
    prototypes /= np.linalg.norm(prototypes, axis=1, keepdims=True)
    queries = embeddings[episode.query]  # [ways, queries, D]
    predicted = np.argmax(queries @ prototypes.T, axis=-1)
    return float((predicted == np.arange(len(prototypes))[:, None]).mean())


def logistic_accuracy(embeddings: np.ndarray, episode: Episode, seed: int = 0) -> float:
    """Share of queries a logistic-regression head (scikit-learn, C=1), fitted on the support embeddings,
    gets right: the cross-domain few-shot evaluation of CDFSL-V."""
    from sklearn.linear_model import LogisticRegression

    ways, shots = episode.support.shape
    head = LogisticRegression(C=1.0, max_iter=1000, random_state=seed)
    head.fit(embeddings[episode.support.reshape(-1)], np.repeat(np.arange(ways), shots))
    predicted = head.predict(embeddings[episode.query.reshape(-1)]).reshape(episode.query.shape)
    return float((predicted == np.arange(ways)[:, None]).mean())


#: protocol ``classifier:`` -> how an episode's queries are scored from its support set
EPISODE_CLASSIFIERS = {"prototype": prototype_accuracy, "logistic": logistic_accuracy}
