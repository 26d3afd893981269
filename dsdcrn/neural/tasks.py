"""Learning tasks with their data, seeded train/test splits, and their metrics.

Inputs are returned as non-negative concentrations in formal units (features scaled
to [0, 1] where the raw data are not already in the task's documented range).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dsdcrn.errors import DsdcrnError

__all__ = ["TASKS", "Task", "load_task"]


@dataclass
class Task:
    """A dataset split and how to score it.

    Attributes
    ----------
    name : str
    kind : {"regression", "binary", "multiclass"}
    X_train, X_test : np.ndarray
        (n, features), formal units, all >= 0.
    y_train, y_test : np.ndarray
        Regression targets or integer class labels.
    n_classes : int
        1 for regression and binary tasks (one output), else the number of classes.
    noise_variance : float
        Variance of the additive label noise (regression), else 0.
    description : str
    """

    name: str
    kind: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    n_classes: int = 1
    noise_variance: float = 0.0
    description: str = ""

    @property
    def n_features(self) -> int:
        return self.X_train.shape[1]

    @property
    def n_outputs(self) -> int:
        return 1 if self.kind != "multiclass" else self.n_classes

    @property
    def metric(self) -> str:
        """``mse`` for regression, ``accuracy`` (a fraction) for classification."""
        return "mse" if self.kind == "regression" else "accuracy"

    def targets(self, y: np.ndarray) -> np.ndarray:
        """Output concentrations to train towards: y, 0/1, or one-hot (n, outputs)."""
        y = np.asarray(y)
        if self.kind == "multiclass":
            return np.eye(self.n_classes)[y.astype(int)]
        return y.astype(float).reshape(-1, 1)

    def score(self, outputs: np.ndarray, y: np.ndarray) -> float:
        """The task's metric of model outputs (n, outputs) against labels y."""
        outputs = np.asarray(outputs, float).reshape(len(y), -1)
        if self.kind == "regression":
            return float(np.mean((outputs[:, 0] - y) ** 2))
        if self.kind == "binary":
            return float(np.mean((outputs[:, 0] > 0.5) == (y > 0.5)))
        return float(np.mean(np.argmax(outputs, axis=1) == y))

    def loss(self, outputs: np.ndarray, y: np.ndarray) -> float:
        """Mean squared error of the outputs against the training targets."""
        outputs = np.asarray(outputs, float).reshape(len(y), -1)
        return float(np.mean((outputs - self.targets(y)) ** 2))


def _split(X, y, n_test, rng) -> tuple[np.ndarray, ...]:
    order = rng.permutation(len(X))
    test, train = order[:n_test], order[n_test:]
    return X[train], y[train], X[test], y[test]


def _stratified(X, y, test_fraction, rng, n_train=None) -> tuple[np.ndarray, ...]:
    train_idx, test_idx = [], []
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        k = int(round(test_fraction * idx.size))
        test_idx.append(idx[:k])
        train_idx.append(idx[k:])
    tr, te = rng.permutation(np.concatenate(train_idx)), rng.permutation(np.concatenate(test_idx))
    if n_train is not None:
        tr = tr[:n_train]
    return X[tr], y[tr], X[te], y[te]


def _minmax(X_train, X_test) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = X_train.min(axis=0), X_train.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    return (X_train - lo) / span, np.clip((X_test - lo) / span, 0.0, None)


def _regression(name: str, rng, n_train: int, n_test: int) -> Task:
    if name == "line":
        X = rng.uniform(0.2, 1.0, (n_train + n_test, 1))
        sd = 0.05
        y = 2 * X[:, 0] + rng.normal(0, sd, len(X))
        desc = "y = 2 x + N(0, 0.05²), x on [0.2, 1] (one input, no intercept)"
    elif name == "linear":
        X = rng.uniform(1.0, 5.0, (n_train + n_test, 2))
        sd = 0.4
        y = X[:, 0] + 2 * X[:, 1] + 1 + rng.normal(0, sd, len(X))
        desc = "y = x1 + 2 x2 + 1 + N(0, 0.4²), x on [1, 5]²"
    elif name == "product":
        X = rng.uniform(0.5, 2.0, (n_train + n_test, 2))
        sd = 0.1
        y = X[:, 0] * X[:, 1] + X[:, 1] ** 2 + rng.normal(0, sd, len(X))
        desc = "y = x1 x2 + x2² + N(0, 0.1²), x on [0.5, 2]²"
    else:
        X = rng.uniform(0.5, 2.0, (n_train + n_test, 2))
        sd = 0.1
        y = np.sin(X[:, 0]) + X[:, 1] ** 2 + rng.normal(0, sd, len(X))
        desc = "y = sin x1 + x2² + N(0, 0.1²), x on [0.5, 2]²"
    return Task(
        name,
        "regression",
        X[:n_train],
        y[:n_train],
        X[n_train:],
        y[n_train:],
        noise_variance=sd**2,
        description=desc,
    )


def _logic(name: str, rng, n_train: int, n_test: int) -> Task:
    """Continuous Boolean tasks on [0, 1]²: bits are x > 0.5 (the reference's XOR data)."""
    op = {"xor": np.logical_xor, "and": np.logical_and, "or": np.logical_or}[name]

    def draw(n: int) -> tuple[np.ndarray, np.ndarray]:
        # balanced classes, as the reference generator does
        xs, ys = [], []
        want = {1: (n + 1) // 2, 0: n // 2}
        while want[0] or want[1]:
            x = rng.random(2)
            label = int(op(x[0] > 0.5, x[1] > 0.5))
            if want[label]:
                want[label] -= 1
                xs.append(x)
                ys.append(label)
        order = rng.permutation(n)
        return np.array(xs)[order], np.array(ys, float)[order]

    X_train, y_train = draw(n_train)
    X_test, y_test = draw(n_test)
    return Task(
        name,
        "binary",
        X_train,
        y_train,
        X_test,
        y_test,
        description=f"{name.upper()} of (x1 > 0.5, x2 > 0.5), x uniform on [0, 1]², balanced",
    )


#: Standard deviation of the jitter around the corners in ``xor-corners`` (formal units).
CORNER_JITTER = 0.1


def _corners(name: str, rng, n_train: int, n_test: int) -> Task:
    """A Boolean truth table with jittered inputs: each sample is a corner of [0, 1]²
    (the four in turn, shuffled) plus N(0, 0.1²) per coordinate (clipped at 0), labelled
    by the corner's XOR, AND or OR (``name`` is ``xor-corners``, ``and-corners``...)."""
    op = name.split("-")[0]
    gate = {"xor": np.logical_xor, "and": np.logical_and, "or": np.logical_or}[op]

    def draw(n: int) -> tuple[np.ndarray, np.ndarray]:
        corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
        which = rng.permutation(np.arange(n) % 4)
        X = np.clip(corners[which] + rng.normal(0, CORNER_JITTER, (n, 2)), 0.0, None)
        return X, gate(*corners[which].T.astype(bool)).astype(float)

    X_train, y_train = draw(n_train)
    X_test, y_test = draw(n_test)
    return Task(
        name,
        "binary",
        X_train,
        y_train,
        X_test,
        y_test,
        description=(
            f"{op.upper()} truth table, inputs at the corners of [0, 1]² + "
            f"N(0, {CORNER_JITTER}²) jitter, {n_train} train / {n_test} test"
        ),
    )


def _iris(rng) -> Task:
    from sklearn.datasets import load_iris

    data = load_iris()
    X_tr, y_tr, X_te, y_te = _stratified(data.data, data.target, 0.2, rng)
    X_tr, X_te = _minmax(X_tr, X_te)
    return Task(
        "iris",
        "multiclass",
        X_tr,
        y_tr,
        X_te,
        y_te,
        n_classes=3,
        description="scikit-learn Iris, 4 features min-max scaled to [0, 1], 120 train / 30 test",
    )


def _digits(rng, n_train: int | None) -> Task:
    from sklearn.datasets import load_digits

    data = load_digits()
    X_tr, y_tr, X_te, y_te = _stratified(data.data / 16.0, data.target, 0.2, rng, n_train)
    return Task(
        "digits",
        "multiclass",
        X_tr,
        y_tr,
        X_te,
        y_te,
        n_classes=10,
        description=(
            f"scikit-learn 8x8 digits (Kang & Kim's 'MNIST'), pixels / 16, "
            f"{len(y_tr)} train / {len(y_te)} test (stratified)"
        ),
    )


#: Task name -> one-line description.
TASKS = {
    "line": "linear regression y = 2 x + noise, one input (20 train / 50 test)",
    "linear": "linear regression y = x1 + 2 x2 + 1 + noise (40 train / 100 test)",
    "product": "nonlinear regression y = x1 x2 + x2² + noise",
    "sine": "nonlinear regression y = sin x1 + x2² + noise",
    "xor": "XOR of (x1 > 0.5, x2 > 0.5), x uniform on [0, 1]² (the reference's; 100 / 30)",
    "xor-corners": "XOR truth table with N(0, 0.1²) input jitter (100 train / 100 test)",
    "and-corners": "AND truth table with N(0, 0.1²) input jitter (100 train / 100 test)",
    "or-corners": "OR truth table with N(0, 0.1²) input jitter (100 train / 100 test)",
    "and": "AND on [0, 1]²",
    "or": "OR on [0, 1]²",
    "iris": "Iris, 3 classes (scikit-learn)",
    "digits": "8x8 digits, 10 classes (scikit-learn load_digits)",
}


def load_task(name: str, seed: int = 0, n_train: int | None = None) -> Task:
    """Load task ``name`` with a split seeded by ``seed``.

    ``n_train`` caps the training set (regression and logic tasks: its size; digits:
    a stratified subset); None keeps the documented default.
    """
    if name not in TASKS:
        raise DsdcrnError(f"unknown task {name!r}; choose one of {', '.join(TASKS)}")
    if n_train is not None and n_train < 1:
        raise DsdcrnError(f"the training set needs at least 1 sample, got {n_train}")
    rng = np.random.default_rng(seed)
    if name == "line":
        return _regression(name, rng, n_train or 20, 50)
    if name == "linear":
        return _regression(name, rng, n_train or 40, 100)
    if name in ("product", "sine"):
        return _regression(name, rng, n_train or 100, 50)
    if name in ("xor", "and", "or"):
        return _logic(name, rng, n_train or 100, 30)
    if name.endswith("-corners"):
        return _corners(name, rng, n_train or 100, 100)
    if name == "iris":
        return _iris(rng)
    return _digits(rng, n_train)
