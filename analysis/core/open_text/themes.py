"""Theme discovery (TF-IDF + spherical k-means, k chosen by silhouette) and codebook assignment.

Rows are clauses that name an aspect. Discovery tries every k in a range on a sample, merges the
clusters that are one theme split by language or spelling (same dominant aspect concept, or
near-identical centroids), keeps the k with the best cosine silhouette after merging, drops clusters
too small or too incoherent to be a theme (their clauses fall to the next theme or "Other") and
describes each theme by its centroid terms. Assignment scores every
clause against each codebook theme: keyword rules win outright; otherwise the cosine to the
theme's discovered centroid and to the mean of its pinned examples, blended with a logistic
regression trained on the pinned examples when there are any; below a floor the clause is "Other".
"""

from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from analysis.core.open_text.codebook import Codebook, Theme, make_theme
from analysis.core.open_text.keywords import theme_label

CONCEPT_WEIGHT = 1.5  # boost of the bilingual aspect-concept columns after TF-IDF
DISCOVERY_SAMPLE = 6_000
SILHOUETTE_SAMPLE = 2_000
MIN_THEME_SHARE = 0.02  # a discovered theme holds at least 2 % of the aspect clauses …
MIN_THEME_SIZE = 3  # … and at least 3 of them
ROWS_PER_THEME = 8  # k is tried only up to (aspect clauses / 8): small sets get few themes
ASSIGN_FLOOR = 0.12  # below this similarity a clause goes to "Other"
CENTROID_TERMS = 40
DEFAULT_K_RANGE = (3, 12)
# Clusters named by one aspect concept (this share of their rows or more) are one theme; so are
# clusters whose centroids are this close (cosine). Chosen on the dev part of the labelled set:
# k-means with k = 8 … 18 there gives centroid cosines of 0.42–0.79 between two clusters of one
# labelled theme and at most 0.37 between clusters of different themes.
DOMINANT_CONCEPT_SHARE = 0.5
MERGE_COSINE = 0.4
# A theme's rows have something in common: at least this share of them hold its most shared term.
# On the dev set real themes score 0.7–1.0 and the left-over cluster 0.04.
MIN_COHERENCE = 0.25


@dataclass(frozen=True, slots=True)
class TermSpace:
    """A fitted vocabulary with IDF weights; turns term lists into l2-normalised rows."""

    vocabulary: Mapping[str, int]
    idf: np.ndarray
    terms: tuple[str, ...]

    def transform(self, term_lists: Sequence[Sequence[str]]) -> sparse.csr_matrix:
        indptr = array("q", [0])
        indices = array("i")
        counts = array("d")
        vocabulary = self.vocabulary
        for terms in term_lists:
            row: dict[int, int] = {}
            for term in terms:
                c = vocabulary.get(term)
                if c is not None:
                    row[c] = row.get(c, 0) + 1
            indices.extend(row)
            counts.extend(row.values())
            indptr.append(len(indices))
        cols = np.frombuffer(indices, dtype=np.int32) if indices else np.zeros(0, dtype=np.int32)
        tf = np.frombuffer(counts, dtype=np.float64) if counts else np.zeros(0)
        values = ((1.0 + np.log(tf)) * self.idf[cols]).astype(np.float32)
        matrix = sparse.csr_matrix(
            (values, cols, np.frombuffer(indptr, dtype=np.int64)), shape=(len(term_lists), len(self.terms))
        )
        return _l2(matrix)

    def vector(self, weights: Mapping[str, float]) -> np.ndarray:
        out = np.zeros(len(self.terms), dtype=np.float32)
        for term, weight in weights.items():
            c = self.vocabulary.get(term)
            if c is not None:
                out[c] = weight
        norm = np.linalg.norm(out)
        return out / norm if norm else out


def _l2(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel()).astype(np.float32)
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix, dtype=np.float32)


def fit_term_space(term_lists: Sequence[Sequence[str]], extra_terms: Sequence[str] = (), min_df: int = 2) -> TermSpace:
    """Vocabulary of terms in at least ``min_df`` rows (plus ``extra_terms``), smooth IDF."""
    df: dict[str, int] = {}
    for terms in term_lists:
        for term in set(terms):
            df[term] = df.get(term, 0) + 1
    n = len(term_lists)
    keep = sorted({t for t, c in df.items() if c >= min_df or t.startswith("@")} | set(extra_terms))
    vocabulary = {t: i for i, t in enumerate(keep)}
    idf = np.array([np.log((1 + n) / (1 + df.get(t, 0))) + 1.0 for t in keep])
    for t, i in vocabulary.items():
        if t.startswith("@"):
            idf[i] = CONCEPT_WEIGHT * max(1.0, idf[i])
    return TermSpace(vocabulary, idf, tuple(keep))


@dataclass(frozen=True, slots=True)
class Discovery:
    codebook: Codebook
    k: int
    silhouette: float | None
    k_scores: Mapping[int, float]


def _spherical_kmeans(matrix: sparse.csr_matrix, k: int, seed: int = 0):
    from sklearn.cluster import KMeans

    # more restarts when the sample is small (cheap there, and the silhouette curve is steadier)
    model = KMeans(n_clusters=k, n_init=6 if matrix.shape[0] <= 3_000 else 2, random_state=seed, max_iter=100)
    labels = model.fit_predict(matrix)
    centers = model.cluster_centers_
    norms = np.linalg.norm(centers, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return labels, centers / norms


def discover_themes(
    space: TermSpace,
    matrix: sparse.csr_matrix,
    *,
    k: int | None = None,
    k_range: tuple[int, int] = DEFAULT_K_RANGE,
    codebook: Codebook | None = None,
    seed: int = 0,
) -> Discovery:
    """Cluster the aspect clauses in ``matrix`` into themes appended to ``codebook`` (or a new one)."""
    from sklearn.metrics import silhouette_score

    codebook = codebook or Codebook()
    n = matrix.shape[0]
    if n < MIN_THEME_SIZE * 2:
        return Discovery(codebook, 0, None, {})
    rng = np.random.default_rng(seed)
    sample_index = np.sort(rng.choice(n, size=min(n, DISCOVERY_SAMPLE), replace=False))
    sample = matrix[sample_index]
    sil_index = np.sort(rng.choice(sample.shape[0], size=min(sample.shape[0], SILHOUETTE_SAMPLE), replace=False))
    low, high = k_range
    high = max(2, min(high, sample.shape[0] // ROWS_PER_THEME))
    candidates = [k] if k else list(range(max(2, low), max(2, low, high) + 1))
    scores: dict[int, float] = {}
    best: tuple[float, int, np.ndarray] | None = None
    concept_columns = np.array([i for i, t in enumerate(space.terms) if t.startswith("@")], dtype=np.int64)
    for candidate in candidates:
        if candidate >= sample.shape[0]:
            continue
        labels, centers = _spherical_kmeans(sample, candidate, seed)
        if not k:  # a fixed k is the analyst's choice: kept as asked
            labels, centers = merge_near_duplicates(sample, labels, centers, concept_columns)
        if len(set(labels[sil_index])) < 2:
            continue
        # scored after merging: a split of one concept into two clusters earns nothing
        score = float(silhouette_score(sample[sil_index], labels[sil_index], metric="cosine"))
        # keyed by the number of themes left after merging (several k may end there: the best counts)
        scores[len(centers)] = max(scores.get(len(centers), -1.0), round(score, 4))
        if best is None or score > best[0] or (score == best[0] and len(centers) < len(best[2])):
            best = (score, len(centers), centers)
    if best is None:
        return Discovery(codebook, 0, None, scores)
    score, chosen, centers = best
    similarity = np.asarray(matrix @ centers.T)
    labels = similarity.argmax(axis=1)
    best_sim = similarity.max(axis=1)
    sizes = np.bincount(labels[best_sim >= ASSIGN_FLOOR], minlength=chosen)
    floor = max(MIN_THEME_SIZE, int(MIN_THEME_SHARE * n))
    kept = [c for c in np.argsort(-sizes) if sizes[c] >= floor]
    # a cluster whose rows share no term is what was left over, not a theme: its rows go to their
    # nearest real theme or to "Other"
    coherence = _coherence(matrix, labels, best_sim >= ASSIGN_FLOOR, chosen)
    kept = [c for c in kept if coherence[c] >= MIN_COHERENCE]
    for cluster in kept:
        centroid = centers[cluster]
        top = np.argsort(-centroid)[:CENTROID_TERMS]
        weights = {space.terms[i]: round(float(centroid[i]), 5) for i in top if centroid[i] > 0}
        codebook, _ = codebook.with_new_theme(
            label=_provisional_label(weights),
            keywords={},
            centroid=weights,  # labelled later per language
        )
    return Discovery(codebook, chosen, round(score, 4), scores)


def _coherence(matrix: sparse.csr_matrix, labels: np.ndarray, assigned: np.ndarray, k: int) -> np.ndarray:
    """Per cluster: the share of its rows holding its most shared term (1.0 when all name "@delivery")."""
    rows = np.flatnonzero(assigned)
    if not rows.size:
        return np.zeros(k)
    present = matrix[rows]
    present = sparse.csr_matrix((np.ones_like(present.data), present.indices, present.indptr), shape=present.shape)
    onehot = sparse.csr_matrix((np.ones(rows.size), (labels[rows], np.arange(rows.size))), shape=(k, rows.size))
    counts = (onehot @ present).toarray() if k * present.shape[1] <= 5_000_000 else None
    sizes = np.bincount(labels[rows], minlength=k).astype(np.float64)
    sizes[sizes == 0] = 1.0
    if counts is None:
        tops = np.array([(onehot[c] @ present).max() if sizes[c] else 0.0 for c in range(k)], dtype=np.float64)
        return tops / sizes
    return counts.max(axis=1) / sizes


def merge_near_duplicates(
    rows: sparse.csr_matrix,
    labels: np.ndarray,
    centers: np.ndarray,
    concept_columns: np.ndarray,
    *,
    dominant_share: float = DOMINANT_CONCEPT_SHARE,
    max_cosine: float = MERGE_COSINE,
) -> tuple[np.ndarray, np.ndarray]:
    """Join clusters that are one theme split by language or spelling.

    Two clusters are joined when the same aspect concept ("@delivery": "giao hàng", "ship",
    "delivery") is named by at least ``dominant_share`` of the rows of each, or when their centroids
    (over folded terms, so "giao hang" and "giao hàng" are one feature) have a cosine of at least
    ``max_cosine``. Returns the new labels (0 … m-1) and the size-weighted, normalised centroids.
    """
    k = centers.shape[0]
    sizes = np.bincount(labels, minlength=k).astype(np.float64)
    parent = list(range(k))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    if concept_columns.size:
        named = (rows[:, concept_columns] > 0).astype(np.float64).tocsr()
        dominant: dict[int, list[int]] = {}
        for cluster in range(k):
            if not sizes[cluster]:
                continue
            share = np.asarray(named[labels == cluster].sum(axis=0)).ravel() / sizes[cluster]
            top = int(share.argmax())
            if share[top] >= dominant_share:
                dominant.setdefault(top, []).append(cluster)
        for group in dominant.values():
            for other in group[1:]:
                union(group[0], other)
    cosine = centers @ centers.T
    for a in range(k):
        for b in range(a + 1, k):
            if cosine[a, b] >= max_cosine:
                union(a, b)
    roots = sorted({find(c) for c in range(k)})
    if len(roots) == k:
        return labels, centers
    new_index = {root: i for i, root in enumerate(roots)}
    mapping = np.array([new_index[find(c)] for c in range(k)])
    merged = np.zeros((len(roots), centers.shape[1]))
    for cluster in range(k):
        merged[mapping[cluster]] += sizes[cluster] * centers[cluster]
    norms = np.linalg.norm(merged, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return mapping[labels], merged / norms


def _provisional_label(weights: Mapping[str, float]) -> str:
    words = [t for t in weights if not t.startswith("@")]
    return words[0] if words else next(iter(weights), "?").lstrip("@")


def _rule_hits(themes: Sequence[Theme], folded_texts: Sequence[str]) -> np.ndarray:
    hits = np.zeros((len(folded_texts), len(themes)), dtype=bool)
    for j, theme in enumerate(themes):
        if not theme.rules:
            continue
        for i, text in enumerate(folded_texts):
            padded = f" {text} "
            if any(f" {rule} " in padded for rule in theme.rules):
                hits[i, j] = True
    return hits


@dataclass(frozen=True, slots=True)
class Assignment:
    theme_index: np.ndarray  # per clause: index into ``themes`` or -1 for "Other"
    similarity: np.ndarray  # per clause: the winning score (1.0 for a keyword rule)
    scores: np.ndarray  # clauses × themes
    suppressed: np.ndarray  # per clause: its best theme is one the analyst deleted (kept in "Other")


def assign_clauses(
    themes: Sequence[Theme],
    space: TermSpace,
    matrix: sparse.csr_matrix,
    folded_texts: Sequence[str],
    *,
    pinned_matrix: sparse.csr_matrix | None = None,
    pinned_theme: Sequence[int] = (),
    deleted: Sequence[bool] = (),
    floor: float = ASSIGN_FLOOR,
) -> Assignment:
    """Score each clause against each theme and pick the best (or -1 = "Other")."""
    n, k = matrix.shape[0], len(themes)
    if k == 0:
        return Assignment(np.full(n, -1), np.zeros(n), np.zeros((n, 0)), np.zeros(n, dtype=bool))
    centroid = np.vstack([space.vector(t.centroid) for t in themes])
    scores = np.asarray(matrix @ centroid.T)
    has_centroid = np.array([bool(t.centroid) for t in themes])
    if pinned_matrix is not None and pinned_matrix.shape[0]:
        pin_theme = np.asarray(pinned_theme)
        pin_scores = np.zeros((n, k))
        has_pins = np.zeros(k, dtype=bool)
        for j in range(k):
            rows = np.flatnonzero(pin_theme == j)
            if rows.size:
                mean = np.asarray(pinned_matrix[rows].mean(axis=0)).ravel()
                norm = np.linalg.norm(mean)
                if norm:
                    pin_scores[:, j] = np.asarray(matrix @ (mean / norm)).ravel()
                    has_pins[j] = True
        pinned_themes = np.flatnonzero(has_pins)
        if pinned_themes.size >= 2:
            from sklearn.linear_model import LogisticRegression

            model = LogisticRegression(C=4.0, max_iter=500)
            model.fit(pinned_matrix, pin_theme)
            proba = np.zeros((n, k))
            proba[:, model.classes_] = model.predict_proba(matrix)
            nonzero = np.asarray(matrix.getnnz(axis=1) > 0)
            proba[~nonzero] = 0.0
            pin_scores = 0.5 * pin_scores + 0.5 * proba
        both = has_centroid & has_pins
        scores = np.where(both, 0.4 * scores + 0.6 * pin_scores, np.where(has_pins, pin_scores, scores))
    hits = _rule_hits(themes, folded_texts)
    scores = np.where(hits, 1.0 + scores, scores)
    best = scores.argmax(axis=1)
    best_score = scores.max(axis=1)
    index = np.where(best_score >= floor, best, -1)
    suppressed = np.zeros(n, dtype=bool)
    if len(deleted):
        suppressed = (index >= 0) & np.asarray(deleted, dtype=bool)[np.maximum(index, 0)]
        index = np.where(suppressed, -1, index)
    return Assignment(index, np.minimum(best_score, 1.0), scores, suppressed)


def relabel_theme(theme: Theme, keywords: Mapping[str, Sequence[str]]) -> Theme:
    """The theme with display keywords per language and, unless the analyst renamed it, a label."""
    label = theme.label if theme.is_edited else theme_label(keywords, theme.label)
    return make_theme(
        theme.id,
        label,
        keywords={lang: tuple(words) for lang, words in keywords.items()},
        rules=theme.rules,
        pinned=theme.pinned,
        centroid=theme.centroid,
        is_deleted=theme.is_deleted,
        is_edited=theme.is_edited,
    )
