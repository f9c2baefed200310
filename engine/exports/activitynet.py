"""Dense captions in the ActivityNet Captions layout: activitynet/<split>.json (English) and <split>_ko.json (Korean),
{"v_<sample_id>": {"duration": s, "timestamps": [[start, end], ...], "sentences": [...]}}, one entry per clip with the
time-aligned script's lines (a program's in its edited video's time), and activitynet/videos/v_<sample_id>.mp4. Stills are left out."""
from __future__ import annotations

import json
from pathlib import Path

from engine.exports.common import ExportOptions, fresh_folder, link, split_of, video_seconds
from engine.layout import RunLayout


def write_activitynet(run: RunLayout, all_labels, taxonomy, options: ExportOptions) -> Path:
    root = fresh_folder(run.export("activitynet"))
    sets = {(split, lang): {} for split in options.splits for lang in ("en", "ko")}
    for labels in (lb for lb in all_labels if lb.get("script") and len(lb["frames"]) > 1):
        key = f"v_{labels['sample_id']}"
        link(run.sample(labels["sample_id"]).video, root / "videos" / f"{key}.mp4")
        duration = video_seconds(labels)
        for lang in ("en", "ko"):
            lines = labels["script"][lang]
            sets[split_of(labels, options.splits), lang][key] = {
                "duration": duration, "timestamps": [[line["start_s"], line["end_s"]] for line in lines],
                "sentences": [line["text"] for line in lines]}
    for (split, lang), data in sets.items():
        name = f"{split}.json" if lang == "en" else f"{split}_{lang}.json"
        (root / name).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return root
