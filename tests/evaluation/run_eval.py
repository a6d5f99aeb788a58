"""`make eval`: how well the assistant understands people, and how safely.

1. 5-fold cross-validation of the NLU pipeline: intent F1 and FAQ topic (response
   selection) F1 per intent/topic.
2. The test stories (rasa test core).
3. The crisis evaluation, on the safety matcher alone and on the full trained model:
   recall on crisis messages, false-alarm rate on hard negatives.

Prints the numbers and writes the reports under reports/.
"""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.paths import ROOT, SPACY_MODEL, CRISIS_PATTERNS, read_messages

REPORTS = ROOT / "reports"
MODEL = ROOT / "models" / "current.tar.gz"
RASA = str(Path(sys.executable).parent / "rasa")
SAFETY = ROOT / "tests" / "safety"
# (name, crisis messages, non-crisis messages). The first is the set the floors apply
# to; "dev" was used while writing patterns; "final" was written by someone who never
# saw the patterns and was not used to write them.
CRISIS_SETS = [
    ("crisis set", SAFETY / "crisis_messages.txt", SAFETY / "hard_negatives.txt"),
    ("dev set", SAFETY / "heldout_crisis.txt", SAFETY / "heldout_negatives.txt"),
    ("final unseen set", SAFETY / "final_crisis.txt", SAFETY / "final_negatives.txt"),
]


def run(*args: str) -> None:
    print("$", " ".join(args), flush=True)
    subprocess.run(args, cwd=ROOT, check=True)


def cross_validate() -> dict:
    out = REPORTS / "nlu_cross_validation"
    run(RASA, "test", "nlu", "--cross-validation", "--folds", "5", "--config", "config.yml",
        "--nlu", "data/nlu", "--domain", "domain.yml", "--out", str(out))
    summary = {}
    for name, report in (("intent", "intent_report.json"), ("faq topic", "response_selection_report.json")):
        path = out / report
        if path.exists():
            summary[name] = json.loads(path.read_text())
    return summary


def print_f1_table(title: str, report: dict) -> None:
    print(f"\n{title}")
    for label, scores in sorted(report.items()):
        if isinstance(scores, dict) and "f1-score" in scores and label not in ("micro avg", "macro avg", "weighted avg"):
            print(f"  {label:40s} F1 {scores['f1-score']:.3f}  (n={scores.get('support')})")
    for avg in ("micro avg", "macro avg", "weighted avg"):
        if avg in report:
            print(f"  {avg:40s} F1 {report[avg]['f1-score']:.3f}")
    if "accuracy" in report:
        print(f"  {'accuracy':40s}    {report['accuracy']:.3f}")


def test_stories() -> None:
    run(RASA, "test", "core", "--model", str(MODEL), "--stories", "tests/test_stories.yml",
        "--out", str(REPORTS / "stories"))


async def crisis_evaluation() -> dict:
    from rasa.core.agent import Agent

    from bot.safety.detector import CrisisDetector

    detector = CrisisDetector.from_files(SPACY_MODEL, CRISIS_PATTERNS)
    agent = Agent.load(str(MODEL))
    results = {}
    for name, positives_path, negatives_path in CRISIS_SETS:
        if not positives_path.exists():
            continue
        positives, negatives = read_messages(positives_path), read_messages(negatives_path)
        row = {"crisis messages": len(positives), "hard negatives": len(negatives)}
        for judge in ("matcher alone", "full model"):
            async def is_crisis(text: str) -> bool:
                if judge == "matcher alone":
                    return detector.assess(text).is_crisis
                return (await agent.parse_message(text))["intent"]["name"] == "crisis"

            missed = [m for m in positives if not await is_crisis(m)]
            alarms = [m for m in negatives if await is_crisis(m)]
            row[judge] = {
                "recall": round(1 - len(missed) / len(positives), 3),
                "false alarm rate": round(len(alarms) / len(negatives), 3),
                "missed": missed if name != "final unseen set" else len(missed),
                "false alarms": alarms if name != "final unseen set" else len(alarms),
            }
        results[name] = row
    return results


def main() -> int:
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    REPORTS.mkdir(exist_ok=True)
    crisis = asyncio.run(crisis_evaluation())
    (REPORTS / "crisis_evaluation.json").write_text(json.dumps(crisis, indent=2))
    test_stories()
    cv = cross_validate()
    for name, report in cv.items():
        print_f1_table(f"Cross-validated {name} F1 (5 folds)", report)
    print("\nCrisis evaluation (details in reports/crisis_evaluation.json)")
    for name, row in crisis.items():
        for judge in ("matcher alone", "full model"):
            r = row[judge]
            print(f"  {name:18s} {judge:14s} recall {r['recall']:.3f} of {row['crisis messages']}, "
                  f"false alarms {r['false alarm rate']:.3f} of {row['hard negatives']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
