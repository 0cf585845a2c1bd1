"""The settings dialog's model facts: read without torch, evaluation results as one readable line."""

from __future__ import annotations

from ganime_core.runtime.modelfile import DEFAULT_WEIGHTS
from ganime_desktop.settings import metrics_line, model_summary, read_model_facts


def test_evaluation_results_read_as_model_then_baselines() -> None:
    metrics = {"n_images": 200, "canvas": 256, "methods": {  # metadata JSON has sorted keys
        "mean_color": {"ssim": 0.6401, "fid": 298.1},
        "model": {"ssim": 0.65561, "fid": 190.26, "psnr": 12.7},
        "sketch": {"ssim": 0.5339, "fid": 280.4}}}
    assert metrics_line(metrics) == ("model SSIM 0.6556 / FID 190.3; mean-colour fill SSIM 0.6401 / FID 298.1; "
                                     "bare sketch SSIM 0.5339 / FID 280.4 (200 validation images)")
    assert metrics_line({"ssim": 0.5, "note": "x"}) == "ssim 0.5, note x"


def test_the_shipped_model_summary_counts_all_training_stages() -> None:
    facts = read_model_facts(DEFAULT_WEIGHTS)
    text = model_summary(facts)
    t = facts.training
    stages = [*t.get("lineage", []), t.get("this_run", t)]
    assert t["steps"] == sum(s["steps"] for s in stages)
    assert f"steps {t['steps']}" in text and "model SSIM" in text and "{" not in text
