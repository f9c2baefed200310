"""Spatio-temporal actions the AVA way: ava/<split>.csv rows `video_id, middle_frame_timestamp, x1, y1, x2, y2,
action_id, person_id` at every whole second of each clip's video (a program's times are its edited video's), one row
per person in view with the action it is doing then (boxes normalised to 0..1: the visible box), ava/action_list.pbtxt
(our actions, ids from 1) and ava/videos/<sample_id>.mp4. Clips without people are left out."""
from __future__ import annotations

from pathlib import Path

from engine.exports.common import ExportOptions, fresh_folder, link, split_of, video_seconds
from engine.layout import RunLayout

ACTIONS = ("stand", "walk", "run", "jump", "wave", "sit_down", "fall", "push", "carry", "dance", "turn", "crouch", "reach")


def frame_at(labels: dict, t: float) -> int:
    """The rendered frame a clip's video shows at t seconds (a program: the EDL's strongest source)."""
    program = labels.get("program")
    if program is None:
        return min(len(labels["frames"]) - 1, int(round(t * labels["fps"])))
    row = program["edl"][min(len(program["edl"]) - 1, int(round(t * program["fps"])))]
    return max(row, key=lambda rw: rw[1])[0]


def write_ava(run: RunLayout, all_labels, taxonomy, options: ExportOptions) -> Path:
    root = fresh_folder(run.export("ava"))
    rows = {name: [] for name in options.splits}
    for labels in (lb for lb in all_labels if lb.get("actions") and len(lb["frames"]) > 1):
        video = labels["sample_id"]
        link(run.sample(video).video, root / "videos" / f"{video}.mp4")
        duration = video_seconds(labels)
        for second in range(1, int(duration) + (duration % 1 > 0)):
            f = frame_at(labels, second)
            frame = labels["frames"][f]
            width, height = frame["camera"]["width"], frame["camera"]["height"]
            doing = {a["track_id"]: a["action"] for a in labels["actions"] if a["start_frame"] <= f <= a["end_frame"]}
            for obj in frame["objects"]:
                if obj["class_path"] != "actor/person" or obj["pixel_count"] == 0 or doing.get(obj["track_id"]) not in ACTIONS:
                    continue
                x, y, w, h = obj["bbox_2d"]
                rows[split_of(labels, options.splits)].append(
                    f"{video},{second},{x / width:.4f},{y / height:.4f},{(x + w) / width:.4f},{(y + h) / height:.4f},"
                    f"{ACTIONS.index(doing[obj['track_id']]) + 1},{obj['track_id']}")
    for split, lines in rows.items():
        (root / f"{split}.csv").write_text("".join(line + "\n" for line in lines))
    (root / "action_list.pbtxt").write_text("".join(
        f'item {{\n  name: "{a}"\n  id: {k}\n}}\n' for k, a in enumerate(ACTIONS, 1)))
    return root
