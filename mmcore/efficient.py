"""Attention for less: sparse masks, sparsity measures and Monarch matrices, in plain numpy.

Helpers for the "Efficient attention" chapters. Masks are boolean T×T arrays (``True`` = the query
in that row may read the key in that column). A mask enters a figure as an additive bias: the
product ``[Q/√d | I] @ [K_t ; -b·(1 - mask)]`` equals ``Q K_t/√d - b·(1 - mask)``, so one matmul box
shows the scores and the mask together (``masked_attention``).

Examples:
    >>> import numpy as np
    >>> m = local_mask(6, 1)
    >>> int(m.sum()), m[0].tolist()
    (16, [True, True, False, False, False, False])
    >>> p = np.array([[0.5, 0.5, 0.0, 0.0]])
    >>> float(effective_keys(p)[0]), round(float(l1_l2_sparsity(p)[0]), 4)
    (2.0, 0.7071)
    >>> A = np.random.default_rng(0).normal(size=(12, 12))
    >>> L, R = monarch_project(monarch_dense(*monarch_project(A, 3, 4)), 3, 4)
    >>> bool(np.allclose(monarch_dense(L, R), monarch_dense(*monarch_project(A, 3, 4))))
    True
"""

from __future__ import annotations

import numpy as np

from .errors import MMError

__all__ = ["local_mask", "strided_mask", "causal_mask", "masked_softmax", "masked_attention",
           "entropy", "effective_keys", "l1_l2_sparsity", "row_lengths",
           "block_diag", "transpose_perm", "monarch_dense", "monarch_factors", "monarch_project",
           "low_rank_fit", "relative_error", "head_qkv"]


def _check_size(T, *extra):
    for v in (T, *extra):
        if not isinstance(v, (int, np.integer)) or v < 1:
            raise MMError(f"mask sizes must be positive integers, got {v!r}")


def local_mask(T: int, w: int, *, causal: bool = False) -> np.ndarray:
    """Query ``i`` reads keys ``j`` with ``|i - j| <= w`` (``j <= i`` too when ``causal``)."""
    _check_size(T)
    if not isinstance(w, (int, np.integer)) or w < 0:
        raise MMError(f"window w must be an integer >= 0, got {w!r}")
    i, j = np.indices((T, T))
    m = np.abs(i - j) <= w
    return m & (j <= i) if causal else m


def strided_mask(T: int, stride: int, *, causal: bool = False) -> np.ndarray:
    """Atrous (dilated) pattern: query ``i`` reads keys ``j`` with ``(i - j) % stride == 0``."""
    _check_size(T, stride)
    i, j = np.indices((T, T))
    m = (i - j) % stride == 0
    return m & (j <= i) if causal else m


def causal_mask(T: int) -> np.ndarray:
    """Query ``i`` reads keys ``j <= i`` (a GPT)."""
    _check_size(T)
    return np.tril(np.ones((T, T), bool))


def masked_softmax(scores: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Row softmax of ``scores`` with the masked-out entries exactly 0 (float64)."""
    s = np.asarray(scores, np.float64)
    if mask is not None:
        mask = np.asarray(mask, bool)
        if mask.shape != s.shape:
            raise MMError(f"mask shape {mask.shape} does not match scores {s.shape}")
        if not mask.any(axis=1).all():
            raise MMError("every row of the mask must allow at least one key")
        s = np.where(mask, s, -np.inf)
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def masked_attention(q: np.ndarray, k: np.ndarray, mask: np.ndarray, v: np.ndarray | None = None,
                     *, bias: float = 30.0):
    """The expression ``attn = [Q/√d | I] @ [K_t ; -bias·(1-mask)]`` with a softmax epilog
    (times ``V`` when ``v`` is given): the mask drawn inside the ``Q @ K_t`` box.

    With ``bias=30`` a forbidden weight is at most e^-30 times an allowed one once the scores span
    less than a few units, which is 0 to float32 display precision."""
    import mmcore

    q, k = np.asarray(q, np.float64), np.asarray(k, np.float64)
    mask = np.asarray(mask, bool)
    T, d = q.shape
    if k.shape != (T, d) or mask.shape != (T, T):
        raise MMError(f"masked_attention: q {q.shape}, k {k.shape} and mask {mask.shape} do not fit (T×d, T×d, T×T)")
    left = mmcore.matrix("Q|I", np.hstack([q / np.sqrt(d), np.eye(T)]).astype(np.float32))
    top = mmcore.matrix("K_t|bias", np.vstack([k.T, -bias * (~mask)]).astype(np.float32))
    attn = (left @ top).with_epilog("softmax").named("attn")
    if v is None:
        return attn
    return (attn @ mmcore.matrix("V", np.asarray(v, np.float32))).named("out")


def head_qkv(head) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``q, k, v`` of a MiniLM :class:`~mmcore.bert.AttentionHead`, computed in float64.

    ``head.q()`` multiplies in float32, where CPython's BLAS and Pyodide's round differently; in
    float64 they agree to far below float32 precision, so a figure made from these gives the same
    bytes on both."""
    x = np.asarray(head.x, np.float64)
    return tuple(x @ np.asarray(w, np.float64) + np.asarray(b, np.float64)
                 for w, b in ((head.wq, head.bq), (head.wk, head.bk), (head.wv, head.bv)))


def row_lengths(p: np.ndarray) -> np.ndarray:
    """How many keys each row may read: the position of its last non-zero weight plus one for
    a causal (lower-triangular) matrix, else the row length."""
    p = np.asarray(p)
    if np.allclose(np.triu(p, 1), 0):
        return np.arange(1, p.shape[0] + 1)
    return np.full(p.shape[0], p.shape[1])


def entropy(p: np.ndarray) -> np.ndarray:
    """Shannon entropy (nats) of each row of a probability matrix (0·log 0 = 0)."""
    p = np.asarray(p, np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(p > 0, p * np.log(p), 0.0)
    return 0.0 - t.sum(axis=-1)   # 0.0 - 0.0 is +0.0: a one-hot row prints 0.00, not -0.00


def effective_keys(p: np.ndarray) -> np.ndarray:
    """``1 / Σ p²`` per row: n for a uniform row over n keys, 1 for a one-hot row (= (l1/l2)² when Σp = 1)."""
    p = np.asarray(p, np.float64)
    return np.abs(p).sum(axis=-1) ** 2 / (p ** 2).sum(axis=-1)


def l1_l2_sparsity(p: np.ndarray, n: np.ndarray | int | None = None) -> np.ndarray:
    """``‖p‖₁ / (√n ‖p‖₂)`` per row, n the number of keys the row may read: 1 for a uniform row,
    ``1/√n`` for a one-hot row (smaller = sparser)."""
    p = np.asarray(p, np.float64)
    n = p.shape[-1] if n is None else np.asarray(n, np.float64)
    return np.abs(p).sum(axis=-1) / (np.sqrt(n) * np.sqrt((p ** 2).sum(axis=-1)))


# ---- Monarch matrices -------------------------------------------------------------------------

def block_diag(blocks: np.ndarray) -> np.ndarray:
    """A block-diagonal matrix from a stack of square blocks (m, b, b) -> (m·b, m·b)."""
    blocks = np.asarray(blocks)
    m, b, b2 = blocks.shape
    if b != b2:
        raise MMError(f"block_diag: expected square blocks, got {blocks.shape[1:]}")
    out = np.zeros((m * b, m * b), blocks.dtype)
    for t in range(m):
        out[t * b:(t + 1) * b, t * b:(t + 1) * b] = blocks[t]
    return out


def transpose_perm(p: int, q: int) -> np.ndarray:
    """The permutation matrix that reads a length-p·q vector as a p×q grid and writes it out
    transposed (q×p): ``(P @ x)[i*p + k] = x[k*q + i]``."""
    _check_size(p, q)
    n = p * q
    P = np.zeros((n, n))
    k, i = np.divmod(np.arange(n), q)
    P[i * p + k, k * q + i] = 1.0
    return P


def monarch_factors(L: np.ndarray, R: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The four n×n factors of ``M = P2 @ BL @ P1 @ BR`` for blocks ``L`` (q, p, p) and ``R`` (p, q, q)."""
    L, R = np.asarray(L), np.asarray(R)
    q, p = L.shape[0], R.shape[0]
    if L.shape != (q, p, p) or R.shape != (p, q, q):
        raise MMError(f"monarch: L must be (q, p, p) and R (p, q, q); got {L.shape} and {R.shape}")
    return transpose_perm(q, p), block_diag(L), transpose_perm(p, q), block_diag(R)


def monarch_dense(L: np.ndarray, R: np.ndarray) -> np.ndarray:
    """The dense n×n Monarch matrix ``P2 @ BL @ P1 @ BR`` (n = p·q), entry by entry:
    ``M[l*q + i, k*q + j] = L[i, l, k] · R[k, i, j]`` (no n×n factor is built)."""
    L, R = np.asarray(L), np.asarray(R)
    q, p = L.shape[0], R.shape[0]
    if L.shape != (q, p, p) or R.shape != (p, q, q):
        raise MMError(f"monarch: L must be (q, p, p) and R (p, q, q); got {L.shape} and {R.shape}")
    return np.einsum("ilk,kij->likj", L, R).reshape(p * q, p * q)


def monarch_project(A: np.ndarray, p: int, q: int) -> tuple[np.ndarray, np.ndarray]:
    """The closest Monarch matrix to ``A`` (n×n, n = p·q) in Frobenius norm, as blocks ``L``, ``R``.

    Entry ``M[l*q + i, k*q + j] = L[i, l, k] · R[k, i, j]``: for each pair (i, k) the p×q slice
    ``A[i::q, k*q:(k+1)*q]`` must be rank 1, and its best rank-1 approximation (top singular
    pair) is the optimum, because different slices share no parameters.
    """
    A = np.asarray(A, np.float64)
    _check_size(p, q)
    n = p * q
    if A.shape != (n, n):
        raise MMError(f"monarch_project: expected a {n}×{n} matrix for p={p}, q={q}, got {A.shape}")
    L = np.zeros((q, p, p))
    R = np.zeros((p, q, q))
    for i in range(q):
        for k in range(p):
            u, s, vt = np.linalg.svd(A[i::q, k * q:(k + 1) * q])
            sign = 1.0 if u[np.abs(u[:, 0]).argmax(), 0] >= 0 else -1.0   # one sign on every LAPACK
            L[i, :, k] = sign * u[:, 0] * np.sqrt(s[0])
            R[k, i, :] = sign * vt[0] * np.sqrt(s[0])
    return L, R


def low_rank_fit(A: np.ndarray, r: int) -> np.ndarray:
    """The best rank-r approximation of ``A`` (truncated SVD)."""
    u, s, vt = np.linalg.svd(np.asarray(A, np.float64), full_matrices=False)
    return (u[:, :r] * s[:r]) @ vt[:r]


def relative_error(approx: np.ndarray, exact: np.ndarray) -> float:
    """``‖approx - exact‖ / ‖exact‖`` (Frobenius)."""
    exact = np.asarray(exact, np.float64)
    return float(np.linalg.norm(np.asarray(approx, np.float64) - exact) / np.linalg.norm(exact))
