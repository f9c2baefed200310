"""What people look at: overview.png (a contact sheet with instance outlines and the subject's box) and
report/index.html (a self-contained page: samples with overlays and captions, histograms, QA, provenance; clips
play their video.mp4, sound and subtitles from the sample folders)."""
from __future__ import annotations

import base64
import html
import io
import json
import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from engine.layout import RunLayout


def _outline(instance: np.ndarray) -> np.ndarray:
    edge = np.zeros(instance.shape, dtype=bool)
    edge[:-1] |= instance[:-1] != instance[1:]
    edge[:, :-1] |= instance[:, :-1] != instance[:, 1:]
    return edge


def contact_sheet(run: RunLayout, all_labels: list[dict], tile: int = 256, columns: int = 4, limit: int = 16) -> Path:
    shown = all_labels[:limit]
    rows = max(1, -(-len(shown) // columns))
    caption_h = 28
    cam = shown[0]["frames"][0]["camera"] if shown else {"width": 1, "height": 1}
    tile_h = round(tile * min(1.0, cam["height"] / cam["width"]))
    sheet = Image.new("RGB", (columns * tile, rows * (tile_h + caption_h)), (24, 24, 24))
    draw = ImageDraw.Draw(sheet)
    for k, labels in enumerate(shown):
        sample = run.sample(labels["sample_id"])
        rgb = np.array(Image.open(sample.rgb(0)).convert("RGB"))
        instance = np.array(Image.open(sample.instance(0)))
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
    sheet.save(run.overview)
    return run.overview


# ---- report/index.html: one self-contained page (no server, no network) ---------------------------------------------
def _overlay(run: RunLayout, labels: dict, size: int = 256) -> Image.Image:
    """The first frame with each instance tinted, outlined, and the subject's box drawn."""
    sample = RunLayout(labels["_root"]).sample(labels["sample_id"]) if "_root" in labels \
        else run.sample(labels["sample_id"])                            # _root: samples of another run (top-up parts)
    rgb = np.array(Image.open(sample.rgb(0)).convert("RGB")).astype(np.float64)
    instance = np.array(Image.open(sample.instance(0)))
    colours = np.random.default_rng(0).integers(40, 255, (int(instance.max()) + 1, 3))   # fixed colours per id
    colours[0] = 0
    tinted = np.where(instance[..., None] > 0, 0.6 * rgb + 0.4 * colours[instance], rgb).astype(np.uint8)
    tinted[_outline(instance)] = (255, 255, 0)
    image = Image.fromarray(tinted)
    scale = size / max(image.size)
    image = image.resize((round(image.width * scale), round(image.height * scale)), Image.NEAREST)
    draw = ImageDraw.Draw(image)
    subject = labels["scene"]["tags"].get("subject_instance_id")
    for obj in labels["frames"][0]["objects"]:
        if obj["bbox_2d"] and (obj["instance_id"] == subject or subject is None and obj["pixel_count"] > 400):
            x, y, w, h = (v * scale for v in obj["bbox_2d"])
            draw.rectangle([x, y, x + w - 1, y + h - 1], outline=(255, 64, 64), width=2)
    return image


def data_uri(image: Image.Image) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _bars(title: str, counts: dict, width: int = 460, ordered: bool = False) -> str:
    """A horizontal bar chart as inline SVG: largest first, or in the given order (`ordered`, for distributions)."""
    items = (list(counts.items()) if ordered else sorted(counts.items(), key=lambda kv: -kv[1]))[:30]
    if not items:
        return ""
    top = max(v for _, v in items)
    row = 18
    bars = "".join(
        f'<text x="0" y="{i * row + 13}" font-size="11">{html.escape(str(k))[:28]}</text>'
        f'<rect x="170" y="{i * row + 3}" width="{max(1, (width - 230) * v / top):.1f}" height="{row - 6}" fill="#4a7ab8"/>'
        f'<text x="{175 + (width - 230) * v / top:.1f}" y="{i * row + 13}" font-size="11">{v:g}</text>'
        for i, (k, v) in enumerate(items))
    return (f'<figure><figcaption>{html.escape(title)}</figcaption><svg width="{width}" height="{len(items) * row + 4}" '
            f'role="img" aria-label="{html.escape(title)}">{bars}</svg></figure>')


def _histogram(values, bins, labels_fmt) -> dict:
    counts, edges = np.histogram(values, bins=bins)
    return {labels_fmt(edges[k], edges[k + 1]): int(c) for k, c in enumerate(counts)}


def _clip_counts(all_labels: list[dict]) -> dict:
    """Chart counts of clips: actions, styles, events, sound events, shots; augmentation: accepted vs rejected."""
    counts = {"action segments per action": {}, "action segments per style": {}, "events per type": {},
              "sound events per class": {}, "shots per type": {}, "augmented variants": {}}

    def count(chart, key):
        counts[chart][key] = counts[chart].get(key, 0) + 1
    for labels in all_labels:
        for seg in labels.get("actions", []):
            count("action segments per action", seg["action"])
            count("action segments per style", seg["style"])
        for ev in labels.get("events", []):
            count("events per type", ev["type"])
        for e in (labels.get("audio") or {}).get("events", []):
            count("sound events per class", e["class"])
        for shot in (labels.get("program") or {}).get("shots", []):
            count("shots per type", shot["kind"])
        for v in (labels.get("augment") or {}).get("variants", []):
            count("augmented variants", "accepted" if v["accepted"] else "rejected")
    return counts


def _player(run: RunLayout, labels: dict, report: Path) -> str:
    """A clip's video with its sound and subtitles (what the narrator says), played from the sample folder."""
    folder = run.sample(labels["sample_id"])
    if not folder.video.exists():
        return ""
    rel = lambda path: html.escape(os.path.relpath(path, report))                       # noqa: E731
    tracks = "".join(f'<track kind="subtitles" srclang="{lang}" label="{lang}" src="{rel(folder.subtitles(lang, "vtt"))}"'
                     f'{" default" if k == 0 else ""}>'
                     for k, lang in enumerate((labels.get("audio") or {}).get("narration", [])))
    return f'<video class="clip" controls preload="none" src="{rel(folder.video)}">{tracks}</video>'


def write_report(run: RunLayout, all_labels: list[dict], manifest: dict, limit: int = 48, extra_html: str = "") -> Path:
    """report/index.html: thumbnails with mask overlays and captions (en/ko), class and attribute histograms,
    visibility and size distributions, QA rejections, provenance and licenses."""
    report = run.report
    report.mkdir(parents=True, exist_ok=True)
    objects = [o for l in all_labels for f in l["frames"] for o in f["objects"] if o["pixel_count"]]
    per_class = {}
    for o in objects:
        per_class[o["class_path"]] = per_class.get(o["class_path"], 0) + 1
    attributes = {}
    for l in all_labels:
        for key, value in l["scene"]["tags"].items():
            if isinstance(value, str):
                attributes.setdefault(key, {})
                attributes[key][value] = attributes[key].get(value, 0) + 1
    clip_layers = _clip_counts(all_labels)
    visibility = _histogram([o["visible_fraction"] for o in objects], np.linspace(0, 1, 11), lambda a, b: f"{a:.1f}-{b:.1f}")
    sizes = _histogram([np.log10(max(o["pixel_count"], 1)) for o in objects], np.arange(0, 7),
                       lambda a, b: f"10^{a:.0f}-10^{b:.0f} px")
    cards = []
    for l in all_labels[:limit]:
        caps = l["scene"]["captions"]
        cards.append(f'<div class="card"><img class="thumb" alt="{html.escape(l["sample_id"])}" '
                     f'src="{data_uri(_overlay(run, l))}"><p><b>{html.escape(l["sample_id"])}</b> '
                     f'{html.escape(l["scene"]["category"])}</p><p>{html.escape(caps["en"][0])}</p>'
                     f'<p lang="ko">{html.escape(caps["ko"][0])}</p>{_player(run, l, report)}</div>')
    failed = manifest.get("failed", [])
    rejections = "".join(f"<tr><td>{html.escape(f['sample_id'])}</td><td>{html.escape('; '.join(f['reasons']))}</td></tr>"
                         for f in failed) or '<tr><td colspan="2">none</td></tr>'
    charts = _bars("instances per class", per_class) + "".join(_bars(f"samples per {k}", v) for k, v in attributes.items()) \
        + "".join(_bars(title, counts) for title, counts in clip_layers.items() if counts) \
        + _bars("objects by visible fraction", visibility, ordered=True) + _bars("objects by visible size", sizes, ordered=True)
    provenance = manifest.get("provenance", {})
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(manifest.get('name', 'dataset'))} report</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; color: #222; }}
.grid {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 12px; }}
.card {{ border: 1px solid #ccc; padding: 4px; font-size: 12px; }} .card p {{ margin: 2px 0; }}
.thumb {{ width: 100%; image-rendering: pixelated; }} .clip {{ width: 100%; }}
.charts {{ display: flex; flex-wrap: wrap; gap: 24px; }} figure {{ margin: 0; }} figcaption {{ font-weight: bold; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ccc; padding: 2px 6px; font-size: 12px; }}
</style></head><body>
<h1>{html.escape(manifest.get('name', 'dataset'))}</h1>
<p id="summary">{len(all_labels)} samples, {sum(len(l['frames']) for l in all_labels)} frames, {len(objects)} visible objects,
{len(failed)} failed; seed {manifest.get('seed')}; config {html.escape(str(manifest.get('config_hash')))};
engine {html.escape(str(manifest.get('versions', {}).get('engine')))}, bpy {html.escape(str(manifest.get('versions', {}).get('bpy')))}.</p>
{extra_html}
<h2>Samples <small>(first {min(limit, len(all_labels))}; masks tinted, outlines in yellow, subject box in red)</small></h2>
<div class="grid" id="samples">{''.join(cards)}</div>
<h2>Distributions</h2><div class="charts">{charts}</div>
<h2>QA rejections</h2><table><tr><th>sample</th><th>reasons</th></tr>{rejections}</table>
<h2>Provenance and licenses</h2><p>{html.escape(provenance.get('statement', ''))}</p>
<p>Bundled assets: {html.escape(json.dumps(provenance.get('assets', [])))}</p>
<p>Diffusion augmentation: {html.escape(json.dumps(provenance.get('augment')))}</p>
<script>
  // a self-check the tests read back: how many thumbnails decoded
  window.addEventListener("load", () => {{
    const images = [...document.querySelectorAll("img.thumb")];
    document.body.dataset.thumbnails = images.filter(i => i.complete && i.naturalWidth > 0).length;
  }});
</script>
</body></html>
"""
    path = report / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
