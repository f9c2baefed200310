"""Diffusion augmentation (`augment=controlnet`): restyle each rendered frame with a Stable Diffusion 1.5-class model
steered by ControlNets on the exact passes (depth, segmentation, instance edges), so objects stay where the labels
say; score every variant's agreement with the labels and reject those below `augment.min_consistency`.

Nothing is ever downloaded: the base model and the ControlNets load from local diffusers folders only
(`augment.model_dir`, `augment.controlnets`). Variants share the sample's labels; each is written as
`<frame>/rgb_aug<k>.png` and recorded, with its scores, in labels.json ("augment") and, with the model's identity and
license, in the provenance.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

from engine.checks import ConfigError
from engine.passes import FramePasses

CONTROLS = ("depth", "segmentation", "edges")
BASE_PARTS = ("unet", "vae", "text_encoder")
# Colours the segmentation ControlNet was trained on (the ADE20K palette, as its annotator draws it), for the ADE20K
# class nearest to each of ours.
ADE20K = {"wall": (120, 120, 120), "building": (180, 120, 120), "sky": (6, 230, 230), "floor": (80, 50, 50),
          "tree": (4, 200, 3), "road": (140, 140, 140), "grass": (4, 250, 7), "person": (150, 5, 61),
          "earth": (120, 120, 70), "table": (255, 6, 82), "plant": (204, 255, 4), "car": (0, 102, 200),
          "water": (61, 230, 250), "shelf": (255, 7, 71), "rock": (255, 41, 10), "lamp": (224, 255, 8),
          "box": (0, 255, 20), "column": (255, 8, 41), "sand": (160, 150, 20), "bridge": (255, 82, 0),
          "bench": (194, 255, 0)}
NEAREST_ADE = {"sky": "sky", "ground": "earth", "context/building": "building", "context/tree": "tree",
               "context/prop/lamppost": "lamp", "context/prop/bench": "bench", "terrain/grass": "grass",
               "terrain/rock": "rock", "terrain/sand": "sand", "terrain/snow": "earth", "terrain/soil": "earth",
               "water": "water", "vegetation/tree": "tree", "vegetation/bush": "plant", "vegetation/grass": "grass",
               "structure/building": "building", "structure/road": "road", "landmark/monument/obelisk": "column",
               "landmark/bridge/arch_bridge": "bridge", "actor/person": "person", "actor/vehicle/car": "car",
               "object/parcel": "box", "interior/floor": "floor", "interior/wall": "wall", "interior/table": "table",
               "interior/shelf": "shelf"}


def ade_colour(class_path: str) -> tuple:
    if class_path in NEAREST_ADE:
        return ADE20K[NEAREST_ADE[class_path]]
    return ADE20K["building"] if class_path.startswith("landmark/") else ADE20K["box"]     # landmarks; abstract forms


# ---- model folders ---------------------------------------------------------------------------------------------------
def controlnet_dir(cfg, control: str) -> Path:
    given = (cfg.controlnets or {}).get(control)
    return Path(given) if given else Path(cfg.model_dir) / f"controlnet-{control}"


def _has_weights(folder: Path) -> bool:
    """Safetensors only: pickled .bin weights can run code when loaded, so they are never read."""
    return folder.is_dir() and any(folder.glob("*.safetensors"))


def missing_model_files(cfg) -> list[str]:
    """What a usable set of local models lacks: the base checkpoint's parts and one ControlNet per control."""
    base = Path(cfg.model_dir)
    missing = [str(base / p) for p in ("model_index.json", "scheduler/scheduler_config.json") if not (base / p).is_file()]
    tokenizer = base / "tokenizer"
    if not ((tokenizer / "vocab.json").is_file() and (tokenizer / "merges.txt").is_file() or (tokenizer / "tokenizer.json").is_file()):
        missing.append(str(tokenizer / "vocab.json + merges.txt (or tokenizer.json)"))
    for part in BASE_PARTS:
        if not (base / part / "config.json").is_file():
            missing.append(str(base / part / "config.json"))
        if not _has_weights(base / part):
            missing.append(str(base / part / "<weights>.safetensors"))
    for control in cfg.controls:
        folder = controlnet_dir(cfg, control)
        if not (folder / "config.json").is_file():
            missing.append(str(folder / "config.json"))
        if not _has_weights(folder):
            missing.append(str(folder / "<weights>.safetensors"))
    return missing


def validate(cfg):
    """augment.* checks that need no model loading; a missing model fails here, before anything is rendered."""
    bad = [c for c in cfg.controls if c not in CONTROLS]
    if not len(cfg.controls) or bad:
        raise ConfigError(f"augment.controls: {bad[0] if bad else 'empty list'} is not allowed; choose from {', '.join(CONTROLS)}")
    stray = [k for k in (cfg.controlnets or {}) if k not in CONTROLS]
    if stray:
        raise ConfigError(f"augment.controlnets.{stray[0]}: unknown control; give folders for {', '.join(CONTROLS)}")
    if len(cfg.control_scales) != len(cfg.controls) or any(s < 0 for s in cfg.control_scales):
        raise ConfigError(f"augment.control_scales: {list(cfg.control_scales)} is not allowed; give one scale >= 0 per control "
                          f"({len(cfg.controls)})")
    checks = [(0.0 < cfg.strength <= 1.0, "strength", "0 < strength <= 1"), (cfg.per_sample >= 1, "per_sample", ">= 1"),
              (cfg.steps >= 1, "steps", ">= 1"), (cfg.guidance_scale >= 0, "guidance_scale", ">= 0"),
              (0.0 <= cfg.min_consistency <= 1.0, "min_consistency", "0..1"), (cfg.size >= 64, "size", ">= 64"),
              (cfg.device in ("auto", "cpu", "cuda"), "device", "auto, cpu or cuda")]
    for ok, key, allowed in checks:
        if not ok:
            raise ConfigError(f"augment.{key}: {cfg[key]} is not allowed; give {allowed}")
    if not cfg.model_dir:
        raise ConfigError("augment.model_dir: not set; point it at a local diffusers Stable Diffusion 1.5 checkpoint "
                          "folder (model_index.json, unet/, vae/, text_encoder/, tokenizer/, scheduler/)")
    missing = missing_model_files(cfg)
    if missing:
        base, named = Path(cfg.model_dir), []
        for path in map(Path, missing):      # name each incomplete part once: "unet/", "controlnet-depth/", ...
            if path.is_relative_to(base):
                rel = path.relative_to(base).parts
                part = rel[0] + ("/" if len(rel) > 1 else "")
            else:
                part = str(path)             # a ControlNet folder given elsewhere: the exact file
            named += [part] if part not in named else []
        pickled = [str(Path(m).parent) for m in missing if m.endswith(".safetensors") and any(Path(m).parent.glob("*.bin"))]
        note = (f" ({', '.join(pickled)} hold only pickled .bin weights, which are never loaded: convert them with "
                f"save_pretrained(..., safe_serialization=True))") if pickled else ""
        raise ConfigError(
            f"augment.model_dir: {cfg.model_dir} lacks {', '.join(named)}{note}; "
            f"point augment.model_dir at a local diffusers Stable Diffusion 1.5 checkpoint and put each ControlNet "
            f"(diffusers format) in <model_dir>/controlnet-<control> or set augment.controlnets.<control>=PATH; "
            f"nothing is downloaded at run time")
    try:
        import diffusers  # noqa: F401
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as e:
        raise ConfigError(f"augment=controlnet: {e.name} is not installed; pip install -e '.[augment]'") from None


def _license(cfg) -> str:
    """The model's license: augment.license, else a LICENSE file or the model card's `license:` line."""
    if cfg.license:
        return str(cfg.license)
    base = Path(cfg.model_dir)
    for name in ("LICENSE", "LICENSE.md", "LICENSE.txt", "license.txt"):
        text = _read_inside(base, name)
        if text.strip():
            return text.strip().splitlines()[0][:200]
    card = _read_inside(base, "README.md")
    if card:
        for line in card.splitlines()[:40]:
            if line.strip().lower().startswith("license:"):
                return line.split(":", 1)[1].strip()
    return "unknown (no LICENSE file or model card license in the model folder; set augment.license)"


def _read_inside(base: Path, name: str, limit: int = 65536) -> str:
    """The start of a text file of the model folder; '' if absent, or if it (or a link) leads out of the folder."""
    path = base / name
    if not path.is_file() or not path.resolve().is_relative_to(base.resolve()):
        return ""
    with open(path, "rb") as f:
        return f.read(limit).decode("utf-8", errors="replace")


@lru_cache(maxsize=None)
def fingerprint(folder: Path) -> str:
    """A quick identity of a model folder: SHA-256 over each config and weight file's relative path, size, first and
    last MiB (weights are GBs; this tells checkpoints apart without reading them whole)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".json", ".safetensors", ".bin", ".txt")):
        size = path.stat().st_size
        digest.update(f"{path.relative_to(folder)}:{size}".encode())
        with open(path, "rb") as f:
            digest.update(f.read(2**20))
            if size > 2**21:
                f.seek(-2**20, 2)
                digest.update(f.read())
    return digest.hexdigest()


def model_provenance(cfg) -> dict:
    return {"method": "controlnet img2img", "model_dir": str(cfg.model_dir), "model_name": Path(cfg.model_dir).name,
            "model_fingerprint": fingerprint(Path(cfg.model_dir)), "license": _license(cfg),
            "controls": [{"type": c, "scale": float(s), "model": controlnet_dir(cfg, c).name,
                          "fingerprint": fingerprint(controlnet_dir(cfg, c))} for c, s in zip(cfg.controls, cfg.control_scales)],
            "strength": float(cfg.strength), "steps": int(cfg.steps), "guidance_scale": float(cfg.guidance_scale),
            "negative_prompt": str(cfg.negative_prompt), "size": int(cfg.size), "per_sample": int(cfg.per_sample),
            "min_consistency": float(cfg.min_consistency)}


# ---- conditions from the exact passes ----------------------------------------------------------------------------------
def depth_condition(depth: np.ndarray) -> np.ndarray:
    """The depth ControlNet's convention (MiDaS-style relative inverse depth): near is bright, far dark, sky black."""
    finite = np.isfinite(depth) & (depth > 0)
    inverse = np.zeros(depth.shape, np.float64)
    inverse[finite] = 1.0 / depth[finite]
    if finite.any():
        lo, hi = np.percentile(inverse[finite], [1, 99])
        inverse = np.where(finite, np.clip((inverse - lo) / max(hi - lo, 1e-9), 0, 1), 0.0)
    grey = np.round(inverse * 255).astype(np.uint8)
    return np.repeat(grey[..., None], 3, axis=2)


def segmentation_condition(semantic: np.ndarray, taxonomy) -> np.ndarray:
    lut = np.zeros((int(semantic.max()) + 1, 3), np.uint8)
    for c in taxonomy.classes:
        if c.id < len(lut):
            lut[c.id] = ade_colour(c.path)
    return lut[semantic]


def boundaries(instance: np.ndarray) -> np.ndarray:
    """Pixels on either side of an instance boundary."""
    edge = np.zeros(instance.shape, bool)
    horizontal, vertical = instance[:, 1:] != instance[:, :-1], instance[1:] != instance[:-1]
    edge[:, 1:] |= horizontal
    edge[:, :-1] |= horizontal
    edge[1:] |= vertical
    edge[:-1] |= vertical
    return edge


def edges_condition(instance: np.ndarray) -> np.ndarray:
    """Instance boundaries as white lines on black, as an edge (canny) ControlNet expects."""
    return np.repeat((boundaries(instance) * 255).astype(np.uint8)[..., None], 3, axis=2)


def conditions(passes: FramePasses, controls, taxonomy) -> list:
    make = {"depth": lambda: depth_condition(passes.depth),
            "segmentation": lambda: segmentation_condition(passes.semantic, taxonomy),
            "edges": lambda: edges_condition(passes.instance)}
    return [make[c]() for c in controls]


# ---- label consistency -------------------------------------------------------------------------------------------------
def _dilate(mask: np.ndarray, steps: int) -> np.ndarray:
    out = mask.copy()
    for _ in range(steps):
        grown = out.copy()
        grown[1:] |= out[:-1]
        grown[:-1] |= out[1:]
        grown[:, 1:] |= out[:, :-1]
        grown[:, :-1] |= out[:, 1:]
        out = grown
    return out


def gradient_magnitude(rgb: np.ndarray) -> np.ndarray:
    """Sobel gradient magnitude of the luminance (0..1)."""
    y = np.pad(rgb[..., :3].astype(np.float64) @ [0.299, 0.587, 0.114] / 255.0, 1, mode="edge")
    gx = (y[:-2, 2:] + 2 * y[1:-1, 2:] + y[2:, 2:]) - (y[:-2, :-2] + 2 * y[1:-1, :-2] + y[2:, :-2])
    gy = (y[2:, :-2] + 2 * y[2:, 1:-1] + y[2:, 2:]) - (y[:-2, :-2] + 2 * y[:-2, 1:-1] + y[:-2, 2:])
    return np.hypot(gx, gy)


def edge_alignment(rgb: np.ndarray, instance: np.ndarray) -> float:
    """How much likelier a strong image edge (gradient above the image's 75th percentile, so texture sets the bar) is
    on the labels' instance boundaries (a 3-px band) than off them: P(edge | band) - P(edge | elsewhere), clipped at
    0. 1: every label boundary is an edge and nothing else is; ~0: the image's edges ignore the labels."""
    band = _dilate(boundaries(instance), 1)
    if not band.any() or band.all():
        return 0.0
    g = gradient_magnitude(rgb)
    strong = g > max(np.percentile(g, 75), 1e-6)
    return float(max(0.0, strong[band].mean() - strong[~band].mean()))


def object_separation(rgb: np.ndarray, instance: np.ndarray, min_pixels: int = 48) -> dict:
    """Per object: how well its colours inside the mask separate from a 3-px ring just outside it, as 2 x balanced
    accuracy - 1 of a nearest-mean classifier (1: every pixel sides with its own region; 0: chance). An image whose
    objects drifted off their masks loses it; texture alone does not. Values: (separation, pixels)."""
    img = rgb[..., :3].astype(np.float64)
    found = {}
    for k in np.unique(instance):
        mask = instance == k
        if k == 0 or mask.sum() < min_pixels:
            continue
        ring = _dilate(mask, 3) & ~mask
        if ring.sum() < 16:
            continue
        inside, outside = img[mask], img[ring]
        m_in, m_out = inside.mean(axis=0), outside.mean(axis=0)
        right_in = np.linalg.norm(inside - m_in, axis=1) < np.linalg.norm(inside - m_out, axis=1)
        right_out = np.linalg.norm(outside - m_out, axis=1) < np.linalg.norm(outside - m_in, axis=1)
        found[int(k)] = (float(max(0.0, right_in.mean() + right_out.mean() - 1.0)), int(mask.sum()))
    return found


def consistency(augmented: np.ndarray, render: np.ndarray, instance: np.ndarray) -> dict:
    """Agreement of an augmented frame with the labels, relative to the render's own: edge_kept = its edge alignment
    over the render's (capped at 1); separation_kept = pixel-weighted mean over objects of its object separation over
    the render's (capped at 1); score = their geometric mean (1: as faithful to the masks as the render itself)."""
    ea_aug, ea_render = edge_alignment(augmented, instance), edge_alignment(render, instance)
    edge_kept = min(1.0, ea_aug / ea_render) if ea_render > 1e-6 else 0.0
    sep_aug, sep_render = object_separation(augmented, instance), object_separation(render, instance)
    weights, kept = [], []
    for k, (sep, pixels) in sep_render.items():
        if sep > 0.05 and k in sep_aug:
            kept.append(min(1.0, sep_aug[k][0] / sep))
            weights.append(pixels)
    separation_kept = float(np.average(kept, weights=weights)) if kept else edge_kept
    return {"edge_alignment": round(ea_aug, 6), "edge_alignment_render": round(ea_render, 6),
            "edge_kept": round(edge_kept, 6), "separation_kept": round(separation_kept, 6),
            "score": round(float(np.sqrt(edge_kept * separation_kept)), 6)}


def prompt(labels: dict, suffix: str) -> str:
    """English prompt from the labels: a concept's prompt from its causes, else the first caption (class, style,
    time of day, weather, what is seen), plus the configured suffix."""
    scene = labels["scene"]
    base = (scene["tags"].get("prompt") or scene["captions"]["en"][0]).rstrip(". ")
    return f"{base}, {suffix}" if suffix else base


def variant_seed(seed_key, variant: int) -> int:
    return int(np.random.SeedSequence([*seed_key, 7919, variant]).generate_state(1)[0])


def _work_size(width: int, height: int, size: int) -> tuple:
    """The diffusion resolution: short side `size`, both sides multiples of 64 (the UNet's latent pyramid)."""
    scale = size / min(width, height)
    return max(64, int(round(width * scale / 64)) * 64), max(64, int(round(height * scale / 64)) * 64)


class Augmenter:
    """One loaded pipeline (base + ControlNets) per worker; GPU in fp16 when there is one, else the CPU."""

    def __init__(self, cfg, taxonomy):
        import torch
        from diffusers import (
            AutoencoderKL,
            ControlNetModel,
            MultiControlNetModel,
            StableDiffusionControlNetImg2ImgPipeline,
            UNet2DConditionModel,
        )
        from diffusers.schedulers import UniPCMultistepScheduler
        from transformers import CLIPTextModel, CLIPTokenizer
        self.cfg, self.taxonomy, self.torch = cfg, taxonomy, torch
        cuda = torch.cuda.is_available() and cfg.device in ("auto", "cuda")
        if cfg.device == "cuda" and not cuda:
            raise ConfigError("augment.device=cuda: torch sees no CUDA device here; use augment.device=auto or cpu")
        self.device = "cuda" if cuda else "cpu"
        dtype = torch.float16 if cuda else torch.float32
        base = Path(cfg.model_dir)
        load = {"torch_dtype": dtype, "local_files_only": True, "use_safetensors": True}   # never unpickle
        controlnets = [ControlNetModel.from_pretrained(str(controlnet_dir(cfg, c)), **load) for c in cfg.controls]
        self.pipe = StableDiffusionControlNetImg2ImgPipeline(
            vae=AutoencoderKL.from_pretrained(str(base / "vae"), **load),
            text_encoder=CLIPTextModel.from_pretrained(str(base / "text_encoder"), **load),
            tokenizer=CLIPTokenizer.from_pretrained(str(base / "tokenizer"), local_files_only=True),
            unet=UNet2DConditionModel.from_pretrained(str(base / "unet"), **load),
            controlnet=MultiControlNetModel(controlnets),
            scheduler=UniPCMultistepScheduler.from_pretrained(str(base / "scheduler"), local_files_only=True),
            safety_checker=None, feature_extractor=None, requires_safety_checker=False).to(self.device)
        self.pipe.set_progress_bar_config(disable=True)
        self.provenance = {**model_provenance(cfg), "device": self.device, "dtype": str(dtype).replace("torch.", "")}

    def augment(self, frames: list, labels: dict, seed_key) -> dict:
        """K variants of every frame (one batched call per frame, each variant seeded from the sample and its index,
        the same seed on every frame of a clip); accepted variants go into frames[i].augmented[k]."""
        cfg, torch = self.cfg, self.torch
        text = prompt(labels, cfg.prompt_suffix)
        seeds = [variant_seed(seed_key, k) for k in range(cfg.per_sample)]
        scores = [[] for _ in seeds]
        images = [[] for _ in seeds]
        for passes in frames:
            height, width = passes.rgb.shape[:2]
            work = _work_size(width, height, cfg.size)
            controls = [Image.fromarray(c).resize(work, Image.NEAREST if name != "depth" else Image.BILINEAR)
                        for c, name in zip(conditions(passes, cfg.controls, self.taxonomy), cfg.controls)]
            render = Image.fromarray(passes.rgb).resize(work, Image.BICUBIC)
            n = len(seeds)
            # one control image per ControlNet, shared by the batch of variants
            out = self.pipe([text] * n, image=[render] * n, control_image=controls, strength=float(cfg.strength),
                            num_inference_steps=int(cfg.steps), guidance_scale=float(cfg.guidance_scale),
                            negative_prompt=[str(cfg.negative_prompt)] * n,
                            controlnet_conditioning_scale=[float(s) for s in cfg.control_scales],
                            generator=[torch.Generator(self.device).manual_seed(s) for s in seeds], output_type="np").images
            for k, img in enumerate(out):
                back = np.array(Image.fromarray(np.round(np.clip(img, 0, 1) * 255).astype(np.uint8)).resize((width, height), Image.BICUBIC))
                images[k].append(back)
                scores[k].append(consistency(back, passes.rgb, passes.instance))
        variants = []
        for k, seed in enumerate(seeds):
            worst = min(s["score"] for s in scores[k])
            accepted = worst >= cfg.min_consistency
            if accepted:
                for passes, img in zip(frames, images[k]):
                    passes.augmented[k] = img
            variants.append({"variant": k, "seed": seed, "accepted": bool(accepted), "score": worst,
                             "file": f"rgb_aug{k}.png" if accepted else None,
                             "frames": [{"index": i, **s} for i, s in enumerate(scores[k])]})
        return {"prompt": text, "negative_prompt": str(cfg.negative_prompt), "strength": float(cfg.strength),
                "min_consistency": float(cfg.min_consistency), "variants": variants}
