"""The skill taxonomy: concept index, broader links and partial credit.

Skills are coded against a taxonomy of concepts with *broader* links (occupation codes
after SSYK, competence concepts, the municipality's own local terms). Matching gives
partial credit through those links, so a participant who knows a neighbouring concept is
not scored as if they knew nothing:

=====================================  ===========================================
relation of the participant's concept  credit towards a wanted concept
=====================================  ===========================================
the same concept                       1
directly broader or directly narrower  ``broader_credit`` (policy, e.g. 0.5)
a sibling (same broader concept)       ``sibling_credit`` (policy, e.g. 0.25)
anything else                          0
=====================================  ===========================================

The credit of a wanted concept is the *best* credit over the participant's skills, so a
participant who learns one more skill never loses credit. Top-level concepts (no broader)
are not siblings of each other: "has a broader concept in common" means a real one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from matcher.domain import Concept


class Taxonomy:
    """An immutable, validated index over taxonomy concepts.

    Parameters
    ----------
    concepts
        Every concept once. ``broader`` must name another concept of the sequence.

    Raises
    ------
    ValueError
        On a duplicate id, a ``broader`` that names an unknown concept (the message names
        it), or a cycle of broader links (the message names a concept on it).
    """

    def __init__(self, concepts: Sequence[Concept]) -> None:
        self.concepts: tuple[Concept, ...] = tuple(concepts)
        self._index: dict[str, int] = {}
        for position, concept in enumerate(self.concepts):
            if concept.id in self._index:
                raise ValueError(f"duplicate taxonomy concept {concept.id!r}")
            self._index[concept.id] = position
        parent = np.full(len(self.concepts), -1, dtype=np.int64)
        for position, concept in enumerate(self.concepts):
            if concept.broader is None:
                continue
            if concept.broader not in self._index:
                raise ValueError(
                    f"concept {concept.id!r} has unknown broader concept {concept.broader!r}"
                )
            parent[position] = self._index[concept.broader]
        self._check_acyclic(parent)
        self.parent: np.ndarray = parent
        self.parent.setflags(write=False)
        children: list[list[int]] = [[] for _ in self.concepts]
        for position, up in enumerate(parent.tolist()):
            if up >= 0:
                children[up].append(position)
        self._children = tuple(np.asarray(kids, dtype=np.int64) for kids in children)

    def _check_acyclic(self, parent: np.ndarray) -> None:
        # Walk up from every concept; memoise concepts already known to reach a root.
        state = np.zeros(len(parent), dtype=np.int8)  # 0 unseen, 1 on the walk, 2 done
        for start in range(len(parent)):
            walk = []
            node = start
            while node >= 0 and state[node] == 0:
                state[node] = 1
                walk.append(node)
                node = int(parent[node])
            if node >= 0 and state[node] == 1:
                raise ValueError(f"cycle of broader links through {self.concepts[node].id!r}")
            for seen in walk:
                state[seen] = 2

    def __len__(self) -> int:
        return len(self.concepts)

    def __contains__(self, concept_id: object) -> bool:
        return concept_id in self._index

    def index_of(self, concept_id: str) -> int:
        """Position of a concept; ``KeyError`` when the taxonomy lacks it."""
        return self._index[concept_id]

    def label(self, concept_id: str) -> str:
        """The concept's label, or the id itself for a term outside the taxonomy."""
        position = self._index.get(concept_id)
        return concept_id if position is None else self.concepts[position].label

    def broader_of(self, concept_id: str) -> str | None:
        """The directly broader concept id (None at the top or outside the taxonomy)."""
        position = self._index.get(concept_id)
        return None if position is None else self.concepts[position].broader

    def children_of(self, concept_id: str) -> tuple[str, ...]:
        """The directly narrower concept ids (empty outside the taxonomy)."""
        position = self._index.get(concept_id)
        if position is None:
            return ()
        return tuple(self.concepts[kid].id for kid in self._children[position].tolist())

    def credit(
        self, have: str, want: str, *, broader_credit: float, sibling_credit: float
    ) -> float:
        """Credit that knowing ``have`` gives towards ``want`` (see the module table)."""
        if have == want:
            return 1.0
        if have not in self._index or want not in self._index:
            return 0.0
        have_up, want_up = self.broader_of(have), self.broader_of(want)
        if have_up == want or want_up == have:
            return broader_credit
        if have_up is not None and have_up == want_up:
            return sibling_credit
        return 0.0

    def credit_vector(
        self, skills: Iterable[str], *, broader_credit: float, sibling_credit: float
    ) -> np.ndarray:
        """Best credit towards every concept, as a dense float64 vector over the index.

        Skills outside the taxonomy are ignored: a local term nobody coded cannot be
        matched against a placement's (coded) requirements.
        """
        credit = np.zeros(len(self.concepts), dtype=np.float64)
        positions = [self._index[s] for s in skills if s in self._index]
        # Lowest credit first, each step a maximum, so the order of skills never matters.
        for position in positions:
            up = int(self.parent[position])
            if up >= 0:
                siblings = self._children[up]
                credit[siblings] = np.maximum(credit[siblings], sibling_credit)
        for position in positions:
            up = int(self.parent[position])
            if up >= 0:
                credit[up] = max(credit[up], broader_credit)
            kids = self._children[position]
            credit[kids] = np.maximum(credit[kids], broader_credit)
        credit[positions] = 1.0
        return credit
