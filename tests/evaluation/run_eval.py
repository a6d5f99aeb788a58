"""`make eval`: how well the assistant understands people, and how safely.

1. 5-fold cross-validation of the NLU pipeline: intent F1 and FAQ topic (response
   selection) F1 per intent/topic.
2. The test stories (rasa test core).
3. The crisis evaluation, on the safety matcher alone and on the full trained model:
   recall on crisis messages, false-alarm rate on hard negatives.
4. The sourcing evaluation, on the sourcing guard alone and on the full model: recall
   on requests to obtain or self-dose MDMA, false rate on legitimate questions.

Prints the numbers and writes the reports under reports/.
"""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.paths import ROOT, SPACY_MODEL, CRISIS_PATTERNS, SOURCING_PATTERNS, read_messages

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
# Requests to obtain or self-dose MDMA vs legitimate questions in the same words; the
# sourcing guard's patterns were tuned on "dev", never on "final".
SOURCING = ROOT / "tests" / "sourcing"
SOURCING_SETS = [
    ("dev set", SOURCING / "dev_requests.txt", SOURCING / "dev_legitimate.txt"),
    ("final unseen set", SOURCING / "final_requests.txt", SOURCING / "final_legitimate.txt"),
]
SOURCING_TOPIC = "faq/drug_sourcing"


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


async def evaluate_sets(sets, judges) -> dict:
    """Recall on each set's positives and false rate on its negatives, per judge.

    Messages are listed for every set but the final one, whose contents stay unseen."""
    results = {}
    for name, positives_path, negatives_path in sets:
        if not positives_path.exists():
            continue
        positives, negatives = read_messages(positives_path), read_messages(negatives_path)
        row = {"positives": len(positives), "negatives": len(negatives)}
        for judge, says_yes in judges.items():
            missed = [m for m in positives if not await says_yes(m)]
            wrong = [m for m in negatives if await says_yes(m)]
            row[judge] = {
                "recall": round(1 - len(missed) / len(positives), 3),
                "false rate": round(len(wrong) / len(negatives), 3),
                "missed": missed if name != "final unseen set" else len(missed),
                "false": wrong if name != "final unseen set" else len(wrong),
            }
        results[name] = row
    return results


async def safety_evaluation() -> dict:
    from rasa.core.agent import Agent

    from bot.safety.detector import CrisisDetector
    from bot.safety.sourcing import SourcingDetector

    crisis_detector = CrisisDetector.from_files(SPACY_MODEL, CRISIS_PATTERNS)
    sourcing_detector = SourcingDetector.from_files(SPACY_MODEL, SOURCING_PATTERNS)
    agent = Agent.load(str(MODEL))

    async def model_says_crisis(text: str) -> bool:
        return (await agent.parse_message(text))["intent"]["name"] == "crisis"

    async def model_answers_sourcing(text: str) -> bool:
        parse = await agent.parse_message(text)
        selection = (parse.get("response_selector") or {}).get("faq", {}).get("response", {})
        return parse["intent"]["name"] == "faq" and selection.get("intent_response_key") == SOURCING_TOPIC

    async def crisis_matcher(text: str) -> bool:
        return crisis_detector.assess(text).is_crisis

    async def sourcing_guard(text: str) -> bool:
        return sourcing_detector.assess(text).is_sourcing

    return {
        "crisis": await evaluate_sets(
            CRISIS_SETS, {"matcher alone": crisis_matcher, "full model": model_says_crisis}),
        "sourcing": await evaluate_sets(
            SOURCING_SETS, {"guard alone": sourcing_guard, "full model": model_answers_sourcing}),
    }


def print_safety(title: str, results: dict) -> None:
    print(f"\n{title}")
    for name, row in results.items():
        for judge, r in row.items():
            if isinstance(r, dict):
                print(f"  {name:18s} {judge:14s} recall {r['recall']:.3f} of {row['positives']}, "
                      f"false {r['false rate']:.3f} of {row['negatives']}")


def main() -> int:
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    REPORTS.mkdir(exist_ok=True)
    safety = asyncio.run(safety_evaluation())
    (REPORTS / "crisis_evaluation.json").write_text(json.dumps(safety["crisis"], indent=2))
    (REPORTS / "sourcing_evaluation.json").write_text(json.dumps(safety["sourcing"], indent=2))
    test_stories()
    cv = cross_validate()
    for name, report in cv.items():
        print_f1_table(f"Cross-validated {name} F1 (5 folds)", report)
    print_safety("Crisis evaluation (reports/crisis_evaluation.json)", safety["crisis"])
    print_safety("Sourcing evaluation: requests vs legitimate questions (reports/sourcing_evaluation.json)",
                 safety["sourcing"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
