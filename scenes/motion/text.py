"""The words of motion clips: how actors are named, the time-aligned script of actions and events, and the captions."""
from __future__ import annotations

import numpy as np

from engine.labels import ClipLayers
from engine.spec import SceneSpec
from generators import actors
from generators.materials import COLORS
from generators.sky import TIME_PHRASES
from scenes.text import a_an, conj, obj, subj

CONTEXT_PHRASES = {"street": ("on a street", "거리에서"), "park": ("in a park", "공원에서"), "plaza": ("on a plaza", "광장에서"),
                   "interior": ("in a room", "실내에서")}
ACTION_TEXT = {   # English, Korean (final), Korean (connective: "..., and then")
    "stand": ("stands", "서 있다", "서 있고"), "walk": ("walks", "걷는다", "걷고"), "run": ("runs", "달린다", "달리고"),
    "jump": ("jumps on the spot", "제자리에서 뛴다", "제자리에서 뛰고"), "wave": ("waves", "손을 흔든다", "손을 흔들고"),
    "sit_down": ("sits down on the ground", "바닥에 앉는다", "바닥에 앉고"), "fall": ("falls down", "넘어진다", "넘어지고"),
    "push": ("pushes forward", "앞으로 민다", "앞으로 밀고"), "carry": ("carries a parcel", "상자를 나른다", "상자를 나르고"),
    "dance": ("dances", "춤을 춘다", "춤을 추고"), "turn": ("turns around", "제자리에서 돈다", "제자리에서 돌고"),
    "crouch": ("crouches", "웅크려 앉는다", "웅크려 앉고"), "reach": ("reaches out", "손을 뻗는다", "손을 뻗고"),
    "drive": ("drives past", "지나간다", "지나가고"), "brake": ("slows down", "속도를 줄인다", "속도를 줄이고"),
    "stop": ("stands still", "멈춰 선다", "멈춰 서고")}
STYLE_TEXT = {"neutral": ("", ""), "happy": ("cheerfully", "즐겁게"), "sad": ("sadly", "슬프게"),
              "angry": ("angrily", "화난 듯이"), "afraid": ("fearfully", "겁먹은 채")}
EVENT_TEXT = {"approach": ("{A} approaches {B}.", "{A_s} {B}에게 다가간다."),
              "meet": ("{A} and {B} meet.", "{A_and} {B_s} 만난다."),
              "greet": ("{A} and {B} greet each other.", "{A_and} {B_s} 서로 인사한다."),
              "collision": ("{A} and {B} collide.", "{A_and} {B_s} 부딪힌다."),
              "chase": ("{A} chases {B}.", "{A_s} {B_o} 쫓는다."),
              "hand_over": ("{A} hands the parcel to {B}.", "{A_s} {B}에게 상자를 건넨다."),
              "gathering": ("The group gathers in one spot.", "사람들이 한곳에 모인다."),
              "vehicle_passes": ("{A} passes {B}.", "{A_s} {B} 옆을 지나간다.")}

def appearance(a) -> dict:
    """How captions name an actor: by its clothes' colour (and a hat or a backpack, if it has one) or its car's colour."""
    p = a.model.params
    if a.kind == "car":
        en, ko = f"{COLORS[p['color']][0]} car", f"{COLORS[p['color']][1]} 자동차"
        return {"en": en, "ko": ko, "en_short": en, "ko_short": ko}
    top_en, top_ko = actors.TOPS[p["top"]]
    motif_en, motif_ko = {"stripes": ("striped ", "줄무늬 "), "checks": ("checked ", "체크무늬 ")}.get(p.get("top_pattern"), ("", ""))
    color_en = COLORS[p["top_color"]][0]
    hat, bag = p.get("hair") == "hat", p.get("bag") == "backpack"
    who_en, who_ko = {"child": ("child", "아이"), "elderly": ("elderly person", "노인")}.get(p.get("age_group"), ("person", "사람"))
    extras_en = " and ".join([w for w, on in (("a hat", hat), ("a backpack", bag)) if on])
    return {"en_short": f"{who_en} in {color_en}", "ko_short": f"{COLORS[p['top_color']][1]} 옷의 {who_ko}",   # narration
            "en": f"{who_en} in {a_an(color_en).lower()} {color_en} {motif_en}{top_en}{' and ' + extras_en if extras_en else ''}",
            "ko": f"{'모자를 쓰고 ' if hat else ''}{'배낭을 메고 ' if bag else ''}{COLORS[p['top_color']][1]} {motif_ko}{obj(top_ko)} 입은 {who_ko}"}


def _names(spec: SceneSpec) -> dict:
    return {a.track_id: a.appearance for a in spec.timeline.actors}


def _spoken_names(names: dict) -> dict:
    """Narration names an actor shortly (\"the person in red\") where no other actor shares the short name."""
    short = [n["en_short"] for n in names.values()]
    return {k: {"en": n["en_short"], "ko": n["ko_short"]} if short.count(n["en_short"]) == 1 else n
            for k, n in names.items()}


def script(spec: SceneSpec, actions: list, events: list) -> dict:
    """The time-aligned script: a line per action segment of the main actors and the vehicle, and per event; each
    line's `spoken` form (shorter names) is what narration says."""
    names = _names(spec)
    mains = {a.track_id for a in spec.timeline.actors if a.role in ("main", "vehicle")}
    spoken = _spoken_names({k: v for k, v in names.items() if k in mains})
    lines = {"en": [], "ko": []}
    for seg in actions:
        if seg["track_id"] not in mains:
            continue
        texts = [_action_line(spec, seg, who, names) for who in (names, spoken)]
        for lang in ("en", "ko"):
            lines[lang].append({"start_s": seg["start_s"], "end_s": seg["end_s"], "text": texts[0][lang],
                                "spoken": texts[1][lang], "track_id": seg["track_id"]})
    for ev in events:
        texts = [_event_line(ev, who) for who in (names, {**names, **spoken})]
        for lang in ("en", "ko"):
            lines[lang].append({"start_s": ev["start_s"], "end_s": ev["end_s"], "text": texts[0][lang],
                                "spoken": texts[1][lang], "event": ev["type"]})
    for lang in lines:
        lines[lang].sort(key=lambda line: (line["start_s"], line["end_s"]))
    return lines


def _action_line(spec: SceneSpec, seg: dict, who: dict, names: dict) -> dict:
    name = who[seg["track_id"]]
    verb_en, verb_ko, _ = ACTION_TEXT[seg["action"]]
    adv_en, adv_ko = STYLE_TEXT[seg["style"]] if spec.object_by_id(seg["track_id"]).class_path == "actor/person" else ("", "")
    if seg["toward_track"] is not None and seg["action"] in ("walk", "run", "carry"):
        other = who.get(seg["toward_track"], names[seg["toward_track"]])
        verb_en, verb_ko = f"{verb_en} toward the {other['en']}", f"{other['ko']} 쪽으로 {verb_ko}"
    en = f"The {name['en']} {adv_en + ' ' if adv_en else ''}{verb_en}."
    ko = f"{subj(name['ko'])} {adv_ko + ' ' if adv_ko else ''}{verb_ko}"
    return {"en": en[0].upper() + en[1:], "ko": ko if ko.endswith(".") else ko + "."}


def _event_line(ev: dict, who: dict) -> dict:
    a = who[ev["participants"][0]]
    b = who[ev["participants"][1]] if len(ev["participants"]) > 1 else a
    en_t, ko_t = EVENT_TEXT[ev["type"]]
    en = en_t.format(A=f"the {a['en']}", B=f"the {b['en']}")
    ko = ko_t.format(A_s=subj(a["ko"]), A_and=conj(a["ko"]), B=b["ko"], B_s=subj(b["ko"]), B_o=obj(b["ko"]))
    return {"en": en[0].upper() + en[1:], "ko": ko}


SITUATION_TEXT = {
    "approach": ("The {A} walks up to the {B}", "{A_s} {B}에게 걸어간다"),
    "meet_and_greet": ("The {A} and the {B} walk toward each other and greet", "{A_and} {B_s} 서로 걸어와 인사한다"),
    "hand_over": ("The {A} brings a parcel to the {B} and hands it over", "{A_s} {B}에게 상자를 가져가 건넨다"),
    "chase": ("The {B} chases the {A}", "{B_s} {A_o} 쫓는다"),
    "collision_fall": ("The {A} and the {B} bump into each other and the {B} falls", "{A_and} {B_s} 부딪히고 {B_s} 넘어진다"),
    "group_gathering": ("{N} people walk to one spot and gather", "{N}명의 사람들이 한곳으로 걸어와 모인다"),
}


def describe(spec: SceneSpec, frames: list, clip: ClipLayers, taxonomy, rng: np.random.Generator) -> dict:
    t = spec.tags
    ctx_en, ctx_ko = CONTEXT_PHRASES[t["context"]]
    when_en, when_ko = TIME_PHRASES[t["time_of_day"]]
    names = _names(spec)
    mains = [a for a in spec.timeline.actors if a.role == "main"]
    a = names[mains[0].track_id]
    b = names[mains[1].track_id] if len(mains) > 1 else a
    if t["situation"] == "solo":
        segs = [s for s in clip.actions if s["track_id"] == mains[0].track_id]
        en = "The " + a["en"] + " " + ", then ".join(ACTION_TEXT[s["action"]][0] for s in segs)
        ko = subj(a["ko"]) + " " + ", ".join([ACTION_TEXT[s["action"]][2] for s in segs[:-1]]
                                             + [ACTION_TEXT[segs[-1]["action"]][1]])
    else:
        en_t, ko_t = SITUATION_TEXT[t["situation"]]
        en = en_t.format(A=a["en"], B=b["en"], N=len(mains))
        ko = ko_t.format(A_s=subj(a["ko"]), A_and=conj(a["ko"]), B=b["ko"], B_s=subj(b["ko"]), A_o=obj(a["ko"]), N=len(mains))
    extra_en = " while a car drives past" if t.get("vehicle") else ""
    extra_ko = " 그 사이 자동차 한 대가 지나간다." if t.get("vehicle") else ""
    return {"en": [f"{en} {ctx_en} {when_en}{extra_en}."],
            "ko": [f"{when_ko} {ctx_ko} {ko}.{extra_ko}".replace("..", ".")]}
