"""Sound events as strong labels, the AudioSet-strong / DCASE (DESED) way: dcase/audio/<sample_id>.wav (the clip's
mix) and dcase/metadata/<split>.tsv with a header `filename onset offset event_label`, one row per sound event and
one per spoken segment of the language in the mix (label `speech_<lang>`), times in seconds. Samples without sound are left out."""
from __future__ import annotations

from pathlib import Path

from engine.exports.common import ExportOptions, fresh_folder, link, split_of
from engine.layout import RunLayout


def write_dcase(run: RunLayout, all_labels, taxonomy, options: ExportOptions) -> Path:
    root = fresh_folder(run.export("dcase"))
    rows = {name: [] for name in options.splits}
    for labels in (lb for lb in all_labels if "audio" in lb):
        name = f"{labels['sample_id']}.wav"
        link(run.sample(labels["sample_id"]).audio, root / "audio" / name)
        audio = labels["audio"]
        spans = [(e["onset_s"], e["offset_s"], e["class"]) for e in audio["events"]]
        heard = audio["narration"][:1]                    # audio.wav carries the first narration language
        spans += [(s["start_s"], s["end_s"], f"speech_{s['lang']}") for s in audio["speech"] if s["lang"] in heard]
        rows[split_of(labels, options.splits)] += [f"{name}\t{a:.5f}\t{b:.5f}\t{label}" for a, b, label in sorted(spans)]
    (root / "metadata").mkdir()
    for split, lines in rows.items():
        (root / "metadata" / f"{split}.tsv").write_text("\n".join(["filename\tonset\toffset\tevent_label", *lines]) + "\n")
    return root
