"""overview.png: a contact sheet of the run, with instance outlines and the subject's box drawn over each image."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from engine.writers import sample_dir


def _outline(instance: np.ndarray) -> np.ndarray:
    edge = np.zeros(instance.shape, dtype=bool)
    edge[:-1] |= instance[:-1] != instance[1:]
    edge[:, :-1] |= instance[:, :-1] != instance[:, 1:]
    return edge


def contact_sheet(out: Path, all_labels: list[dict], tile: int = 256, columns: int = 4, limit: int = 16) -> Path:
    shown = all_labels[:limit]
    rows = max(1, -(-len(shown) // columns))
    caption_h = 28
    cam = shown[0]["frames"][0]["camera"] if shown else {"width": 1, "height": 1}
    tile_h = round(tile * min(1.0, cam["height"] / cam["width"]))
    sheet = Image.new("RGB", (columns * tile, rows * (tile_h + caption_h)), (24, 24, 24))
    draw = ImageDraw.Draw(sheet)
    for k, labels in enumerate(shown):
        d = sample_dir(out, labels["sample_id"]) / "0000"
        rgb = np.array(Image.open(d / "rgb.png").convert("RGB"))
        instance = np.array(Image.open(d / "instance.png"))
        rgb[_outline(instance)] = (255, 255, 0)
        image = Image.fromarray(rgb)
        scale = tile / max(image.size)
        image = image.resize((round(image.width * scale), round(image.height * scale)), Image.NEAREST)
        x0, y0 = (k % columns) * tile, (k // columns) * (tile_h + caption_h)
        sheet.paste(image, (x0, y0))
        subject = labels["scene"]["tags"].get("subject_instance_id")
        for obj in labels["frames"][0]["objects"]:
            if obj["instance_id"] == subject and obj["bbox_2d"]:
                x, y, w, h = (v * scale for v in obj["bbox_2d"])
                draw.rectangle([x0 + x, y0 + y, x0 + x + w - 1, y0 + y + h - 1], outline=(255, 64, 64), width=2)
        text = f"{labels['sample_id']} {labels['scene']['captions']['en'][0]}"
        draw.text((x0 + 4, y0 + image.height + 2), text[:46], fill=(230, 230, 230))
        draw.text((x0 + 4, y0 + image.height + 14), text[46:92], fill=(230, 230, 230))
    path = Path(out) / "overview.png"
    sheet.save(path)
    return path
