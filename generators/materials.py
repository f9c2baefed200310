"""Named colours and material families. Colours are drawn from named entries so captions can name them exactly."""
from __future__ import annotations

import numpy as np

from engine.spec import Material
from engine.streams import child

# name -> (English, Korean adjective, sRGB 0..255)
COLORS = {
    "red": ("red", "붉은", (168, 40, 32)),
    "white": ("white", "흰", (228, 226, 218)),
    "grey": ("grey", "회색", (128, 128, 124)),
    "dark_grey": ("dark grey", "짙은 회색", (64, 66, 70)),
    "sandstone": ("sandy", "모래색", (200, 170, 120)),
    "ochre": ("ochre", "황토색", (190, 130, 60)),
    "brown": ("brown", "갈색", (110, 72, 44)),
    "green": ("green", "초록", (52, 110, 72)),
    "teal": ("teal", "청록색", (60, 140, 130)),
    "leaf_green": ("leafy green", "잎빛 초록", (62, 92, 36)),       # foliage: leaves are yellower and darker than paint
    "olive": ("olive", "올리브색", (96, 102, 44)),
    "blue": ("blue", "파란", (50, 80, 150)),
    "black": ("black", "검은", (46, 46, 48)),       # black cloth or paint reflects 3-4 %, not less
    "gold": ("golden", "금빛", (212, 170, 70)),
    "copper_green": ("verdigris", "청동빛", (96, 160, 140)),
    "bronze": ("bronze", "청동색", (140, 100, 55)),
    "yellow": ("yellow", "노란", (220, 190, 70)),
}

# material kind -> (English noun, Korean noun, roughness range, metallic)
KINDS = {
    "stone": ("stone", "돌", (0.7, 0.95), 0.0),
    "marble": ("marble", "대리석", (0.3, 0.5), 0.0),
    "brick": ("brick", "벽돌", (0.8, 0.95), 0.0),
    "concrete": ("concrete", "콘크리트", (0.75, 0.95), 0.0),
    "wood": ("wood", "나무", (0.5, 0.8), 0.0),
    "metal": ("steel", "강철", (0.25, 0.5), 1.0),
    "bronze": ("bronze", "청동", (0.3, 0.5), 1.0),
    "glass": ("glass", "유리", (0.05, 0.15), 0.3),
    "tile": ("roof tile", "기와", (0.5, 0.7), 0.0),
    "plaster": ("plaster", "회벽", (0.8, 0.95), 0.0),
    "foliage": ("foliage", "잎", (0.8, 0.95), 0.0),
    "bark": ("bark", "나무껍질", (0.85, 0.95), 0.0),
    "ground": ("ground", "땅", (0.85, 1.0), 0.0),
    "paving": ("paving", "포장", (0.6, 0.9), 0.0),
    "fabric": ("fabric", "천", (0.8, 0.95), 0.0),
    "leather": ("leather", "가죽", (0.4, 0.6), 0.0),
    "hair": ("hair", "머리카락", (0.5, 0.7), 0.0),
    "skin": ("skin", "피부", (0.5, 0.6), 0.0),
    "paint": ("car paint", "도장", (0.15, 0.3), 0.4),
    "rubber": ("rubber", "고무", (0.8, 0.9), 0.0),
    "cardboard": ("cardboard", "판지", (0.85, 0.95), 0.0),
    "grass": ("grass", "풀", (0.85, 1.0), 0.0),
    "rock": ("rock", "바위", (0.75, 0.95), 0.0),
    "sand": ("sand", "모래", (0.85, 1.0), 0.0),
    "snow": ("snow", "눈", (0.5, 0.8), 0.0),
    "soil": ("soil", "흙", (0.85, 1.0), 0.0),
    "water": ("water", "물", (0.02, 0.06), 0.0),
    "foam": ("foam", "물거품", (0.6, 0.9), 0.0),
}


def srgb_to_linear(c):
    c = np.asarray(c, dtype=np.float64)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def material(rng: np.random.Generator, kind: str, color: str, jitter: float = 0.06) -> Material:
    """A material of `kind` in named `color`, with a small seeded variation that keeps the colour's name true. Its
    choices come from a child of `rng` (one draw), so choices added to materials never shift what is drawn after."""
    rng = child(rng)
    srgb = np.array(COLORS[color][2]) / 255.0
    srgb = np.clip(srgb * (1 + rng.uniform(-jitter, jitter, 3)), 0, 1)
    rough_lo, rough_hi = KINDS[kind][2]
    return Material(name=f"{COLORS[color][0]} {KINDS[kind][0]}", base_color=tuple(srgb_to_linear(srgb).round(5).tolist()),
                    roughness=round(float(rng.uniform(rough_lo, rough_hi)), 4), metallic=KINDS[kind][3],
                    kind=kind, color_name=color, seed=int(rng.integers(2**31)), wear=round(float(rng.uniform()), 3))


def pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]
