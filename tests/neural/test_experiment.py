"""Learning-curve rows, progress lines, model selection and a tiny training run."""

from __future__ import annotations

import json
import logging
import time

import numpy as np
import pytest

from dsdcrn.errors import DsdcrnError
from dsdcrn.neural.experiment import (
    TrainResult,
    epoch_message,
    epoch_row,
    make_model,
    train_task,
)
from dsdcrn.neural.tasks import Task, load_task
from dsdcrn.neural.training import KangKimModel, NagipoguReifModel


class _Doubler:
    """Stand-in estimator: output 2·x1, and a record of how many samples it scored."""

    def __init__(self) -> None:
        self.sizes: list[int] = []

    def predict(self, X: np.ndarray) -> np.ndarray:
        self.sizes.append(len(X))
        return 2.0 * X[:, :1]


def _task(kind: str) -> Task:
    X = np.array([[0.1], [0.2], [0.3], [0.4]])
    y = np.array([0.2, 0.0, 0.6, 1.0]) if kind == "regression" else np.array([0, 0, 1, 1])
    return Task("toy", kind, X, y, X[:2], y[:2])


def test_epoch_row_scores_the_first_training_samples_and_the_test_set():
    task, est = _task("regression"), _Doubler()
    start = time.monotonic() - 2.0
    row = epoch_row(est, task, 3, start, n_eval=3)
    assert est.sizes == [3, 2]  # first n_eval training samples, then the test set
    assert row["epoch"] == 3
    # outputs 0.2, 0.4, 0.6 against 0.2, 0.0, 0.6: MSE 0.16 / 3
    assert row["train_loss"] == pytest.approx(0.16 / 3)
    assert row["train_mse"] == pytest.approx(0.16 / 3)
    assert row["test_mse"] == pytest.approx(0.16 / 2)
    assert 2.0 <= row["seconds"] < 60.0


def test_epoch_row_uses_accuracy_for_classification():
    row = epoch_row(_Doubler(), _task("binary"), 0, time.monotonic(), n_eval=4)
    # outputs 0.2 0.4 0.6 0.8 > 0.5 against labels 0 0 1 1: all right
    assert row["train_accuracy"] == 1.0 and row["test_accuracy"] == 1.0
    assert set(row) == {"epoch", "train_loss", "train_accuracy", "test_accuracy", "seconds"}


def test_epoch_message_reports_loss_metric_and_time():
    row = {"epoch": 2, "train_loss": 0.123456, "test_accuracy": 0.875, "seconds": 12.4}
    assert epoch_message(row, 10, "accuracy") == (
        "epoch 2/10: train loss 0.1235, test accuracy 0.8750 (12 s)"
    )


def test_make_model_sizes_the_model_for_the_task():
    iris = load_task("iris", seed=0)
    model, epochs = make_model(iris, "kang-kim", eta=0.01)
    assert isinstance(model, KangKimModel) and epochs == 30
    assert model.layers == (4, 5, 3) and model.eta == 0.01
    relu, _ = make_model(iris, "kang-kim-relu", hidden=(7,))
    assert relu.activation == "relu" and relu.layers == (4, 7, 3)
    nr, nr_epochs = make_model(load_task("linear", seed=0), "nagipogu-reif", dim=None)
    assert isinstance(nr, NagipoguReifModel) and (nr.dim, nr_epochs) == (3, 5)


@pytest.mark.parametrize(
    ("task", "model", "kwargs", "words"),
    [
        ("iris", "nagipogu-reif", {}, "has one output"),
        ("linear", "nagipogu-reif", {"protocol": "one-pot"}, "phased"),
        ("linear", "nagipogu-reif", {"updates": "direct"}, "--updates applies"),
        ("linear", "nagipogu-reif", {"t_sample": 3.0}, "--t-sample applies"),
        ("linear", "perceptron", {}, "unknown model"),
    ],
)
def test_make_model_rejects_what_the_model_cannot_do(task, model, kwargs, words):
    with pytest.raises(DsdcrnError, match=words):
        make_model(load_task(task, seed=0), model, **kwargs)


def test_train_task_records_one_row_per_epoch_and_logs_progress(caplog):
    messages: list[str] = []
    with caplog.at_level(logging.INFO, logger="dsdcrn.neural.experiment"):
        res = train_task("linear", "nagipogu-reif", epochs=1, n_train=5, progress=messages.append)
    assert [r["epoch"] for r in res.curve] == [0, 1]
    assert res.curve[1]["train_loss"] < res.curve[0]["train_loss"]
    assert res.final == res.curve[-1]["test_mse"]
    assert messages == [epoch_message(r, 1, "mse") for r in res.curve]
    assert [m for m in messages if m in caplog.text] == messages
    assert res.options["n_train"] == 5 and res.network["name"] == "nagipogu-reif-d3-first-order"
    assert set(res.parameters) == {"P1", "P2", "P3"}


def test_train_task_without_curve_scores_the_last_epoch_only():
    res = train_task("xor", "kang-kim", epochs=1, n_train=4, curve=False, hidden=(2,))
    assert [r["epoch"] for r in res.curve] == [1]
    assert res.protocol == "one-pot" and res.metric == "accuracy"
    assert res.options["hidden"] == (2,)


def test_train_result_table_and_json_carry_the_curve(tmp_path):
    res = TrainResult("toy", "kang-kim", "one-pot", 4, "mse")
    res.curve = [
        {"epoch": 0, "train_loss": 1.5, "train_mse": 1.5, "test_mse": 2.0, "seconds": 0.1},
        {"epoch": 1, "train_loss": 0.5, "train_mse": 0.5, "test_mse": 0.75, "seconds": 1.0},
    ]
    res.final, res.parameters = 0.75, {"W1_1_1": 0.25}
    lines = res.table().splitlines()
    assert lines[0].split() == ["epoch", "train", "loss", "train", "mse", "test", "mse", "s"]
    assert lines[2].split() == ["1", "0.5000", "0.5000", "0.7500", "1.0"]
    data = res.to_json_dict()
    assert data["mse"] == 0.75 and data["curve"] == res.curve and data["seed"] == 4
    out = res.write(tmp_path / "run")
    assert json.loads((out / "parameters.json").read_text()) == {"W1_1_1": 0.25}
    assert (out / "curve.csv").read_text().splitlines()[2] == "1,0.5,0.5,0.75,1"
