"""scikit-learn / NumPy / CPython reference values for sklearn-parity.spec.ts.

Reads {"cases": [...], "floats": [...], "sums": [...]} as JSON on stdin and prints the reference values as JSON
(Python writes floats with repr, so every value crosses over exactly).
"""
import json
import sys
import warnings

import numpy as np
import sklearn
from sklearn.metrics import (
    balanced_accuracy_score,
    classification_report,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
    top_k_accuracy_score,
)


def score_case(case):
    k = case["num_classes"]
    labels = list(range(k))
    y_true, y_pred = case["y_true"], case["y_pred"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, average=None)
        averaged = {
            avg: [float(v) for v in precision_recall_fscore_support(y_true, y_pred, labels=labels, average=avg)[:3]]
            for avg in ("macro", "weighted", "micro")
        }
        report = classification_report(y_true, y_pred, labels=labels, output_dict=True)
        result = {
            "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
            "precision": [float(v) for v in p],
            "recall": [float(v) for v in r],
            "f1": [float(v) for v in f],
            "support": [int(v) for v in s],
            "averaged": averaged,
            "f1_macro": float(f1_score(y_true, y_pred, labels=labels, average="macro")),
            "f1_weighted": float(f1_score(y_true, y_pred, labels=labels, average="weighted")),
            "balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
            "report_accuracy": float(report["accuracy"]) if "accuracy" in report else float(report["micro avg"]["precision"]),
            "top_k": {},
        }
        if case.get("scores") and k >= 3:
            scores = np.array(case["scores"], dtype=np.float64)
            for top in range(1, k):
                result["top_k"][str(top)] = float(top_k_accuracy_score(y_true, scores, k=top, labels=labels))
    return result


def main():
    request = json.load(sys.stdin)
    json.dump(
        {
            "sklearn": sklearn.__version__,
            "cases": [score_case(case) for case in request["cases"]],
            "reprs": [repr(float(v)) for v in request["floats"]],
            "sums": [float(np.sum(np.array(values, dtype=np.float64))) for values in request["sums"]],
        },
        sys.stdout,
    )


main()
