"""Materials copied from the first of their structure and replayed (engine.node_replay) are what a fresh build makes:
the same node trees, value for value, and the same renders to the bit; a replay that strays from the original's
structure, or reads a value the copy inherited, is built from scratch instead."""
import numpy as np
import pytest

from engine.node_replay import MaterialCopies
from engine.renderio import blender_log_silenced, exr_parts
from job.config import compose, content_hash
from job.sample import SampleProducer

pytestmark = pytest.mark.render
SKIP_PROPS = {"name", "label", "location", "location_absolute", "width", "height", "dimensions", "select", "show_options",
              "show_preview", "hide", "mute", "show_texture", "color", "use_custom_color", "parent", "warning_propagation",
              "color_tag"}


def _node_state(node) -> dict:
    props = {}
    for p in node.bl_rna.properties:
        if p.is_readonly or p.identifier in SKIP_PROPS or p.type not in {"ENUM", "FLOAT", "INT", "BOOLEAN", "STRING"}:
            continue
        value = getattr(node, p.identifier)
        props[p.identifier] = tuple(value) if hasattr(value, "__len__") and not isinstance(value, str) else value
    sockets = [(side, s.identifier, tuple(s.default_value) if hasattr(s.default_value, "__len__") else s.default_value)
               for side, group in (("in", node.inputs), ("out", node.outputs)) for s in group if hasattr(s, "default_value")]
    return {"kind": node.bl_idname, "name": node.name, "props": props, "sockets": sockets}


def _material_state(material) -> tuple:
    return ([_node_state(n) for n in material.node_tree.nodes],
            sorted((l.from_node.name, l.from_socket.identifier, l.to_node.name, l.to_socket.identifier)
                   for l in material.node_tree.links))


def _materials(bpy) -> dict:
    return {m.name: (m.pass_index, *_material_state(m)) for m in bpy.data.materials}


def _render(backend) -> dict:
    passes = {}
    for beauty, path in ((False, backend.exr_path), (True, backend.beauty_path)):
        backend._sampling(beauty)
        with blender_log_silenced():
            backend.bpy.ops.render.render(write_still=True)
        passes.update({f"{beauty}:{k}": v.copy() for _, channels, _ in exr_parts(path) for k, v in channels.items()})
    return passes


@pytest.mark.parametrize("scene", ["landmark", "face"])
def test_copied_materials_equal_fresh_builds_in_trees_and_pixels(scene):
    cfg = compose([f"scene={scene}", "render=preview", "render.resolution=[64,48]", "render.samples=2"])
    producer = SampleProducer(cfg, content_hash(cfg))
    backend = producer.backend
    spec = producer.produce(0)[0].spec
    built = {}
    # every material from scratch; originals built in this sample and copied; originals appended from the library
    # the build before wrote
    for variant in ("fresh", "first", "library"):
        backend.reset()
        backend.copy_materials = variant != "fresh"
        if variant == "first":
            backend.library.entries.clear()
        backend.build(spec)
        assert len(backend.bpy.data.libraries) == 0
        built[variant] = (_materials(backend.bpy), _render(backend), backend.materials.copied, backend.materials.rebuilt)
    producer.close()
    fresh, fresh_pixels, _, _ = built["fresh"]
    for variant in ("first", "library"):
        copies, copy_pixels, copied, rebuilt = built[variant]
        assert copied >= len(fresh) // 3 and rebuilt == 0, variant     # most materials were copies, none rebuilt
        assert copies == fresh, variant
        assert fresh_pixels.keys() == copy_pixels.keys()
        assert all(np.array_equal(fresh_pixels[k], copy_pixels[k]) for k in fresh_pixels), variant
    assert built["library"][2] > built["first"][2]                      # the library saved building the originals


def _fill(extra_node: bool = False, emission: float = 0.0, read_first: bool = False):
    def fill(tree):
        bsdf = tree.nodes["Principled BSDF"]
        if read_first:                         # a recipe reading a value before it writes it
            bsdf.inputs["Roughness"].default_value = bsdf.inputs["Metallic"].default_value + 0.3
        noise = tree.nodes.new("ShaderNodeTexNoise")
        noise.inputs["Scale"].default_value = 7.0
        source = noise.outputs["Color"]
        if extra_node:
            invert = tree.nodes.new("ShaderNodeInvert")
            tree.links.new(source, invert.inputs["Color"])
            source = invert.outputs["Color"]
        tree.links.new(source, bsdf.inputs["Base Color"])
        if emission:
            bsdf.inputs["Emission Strength"].default_value = emission
    return fill


def test_a_replay_that_strays_is_built_from_scratch(backend):
    bpy = backend.bpy
    backend.reset()
    copies = MaterialCopies(bpy.data)
    copies.build("first", "key", _fill(emission=2.0))
    for name, fill in (("more nodes", _fill(extra_node=True)), ("one value fewer", _fill()),
                       ("reads first", _fill(read_first=True))):
        made = copies.build(name, "key", fill)
        reference = bpy.data.materials.new(f"{name} fresh")
        fill(reference.node_tree)
        assert _material_state(made) == _material_state(reference), name
    assert copies.rebuilt == 3 and copies.copied == 0
    same = copies.build("same", "key", _fill(emission=5.0))        # same structure, another value: a copy
    assert copies.copied == 1 and same.node_tree.nodes["Principled BSDF"].inputs["Emission Strength"].default_value == 5.0
    assert {m.name for m in bpy.data.materials} >= {"first", "more nodes", "one value fewer", "reads first", "same"}
    bpy.data.batch_remove([m for m in bpy.data.materials if m.users == 0])     # the session's next test starts clean
