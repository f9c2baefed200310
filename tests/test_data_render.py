"""The photo look's data render sheds its surface shading (engine.surfaces.DATA_RENDER): the label passes must be
the ones a fully shaded data render writes, to the bit, and the beauty after it must not know the difference."""
import numpy as np
import pytest

from engine.renderio import exr_parts
from engine.streams import Streams
from engine.surfaces import DATA_RENDER
from job.config import compose, content_hash
from job.sample import SampleProducer

# what the shed data render writes differently: its colour (the beauty's replaces it) and Cycles' Normal pass (the
# closures' bumped normal; the labels use the geometric normal AOV, and the EXR deliverable keeps full shading)
SHADING_ONLY = ("ViewLayer.Combined", "ViewLayer.Normal")


def _producer(family):
    cfg = compose([f"scene={family}", "render=preview", "render.resolution=[96,72]",
                   *(["scene.frames=2"] if family == "motion" else [])])
    return cfg, SampleProducer(cfg, content_hash(cfg))


def _data_render(backend, shed: float) -> dict:
    backend._sampling(beauty=False)
    backend.scene[DATA_RENDER] = shed
    backend.scene.update_tag()
    backend.bpy.ops.render.render(write_still=True)
    return {name: pixels for _, channels, _ in exr_parts(backend.exr_path) for name, pixels in channels.items()}


@pytest.mark.parametrize("family", ["concept", "landmark", "face"])
def test_shed_data_render_writes_the_label_passes_to_the_bit(family):
    cfg, producer = _producer(family)
    backend = producer.backend
    assert backend.shed_data_shading          # photo look on the CPU, no EXR deliverable
    switched_skies = 0
    for index in range(2):
        spec = producer.family.build(cfg.scene, Streams((cfg.seed, index, 0)), index, 96, 72)
        backend.build(spec)
        shed, full = _data_render(backend, 1.0), _data_render(backend, 0.0)
        assert set(shed) == set(full)
        for name in full:
            if not name.startswith(SHADING_ONLY):
                assert np.array_equal(shed[name], full[name]), f"{family} {index}: {name}"
        # the switch did engage: the shed render's surfaces are black where the full render's are lit
        surface = full["ViewLayer.Object Index.X"] > 0
        assert surface.any()
        assert shed["ViewLayer.Combined"][surface][:, :3].max() == 0.0
        assert full["ViewLayer.Combined"][surface][:, :3].max() > 0.0
        # and so does the world's, where the sky is not a physical one (Cycles would compute that one again)
        if backend.light.sky_model != "physical" and not surface.all():
            assert shed["ViewLayer.Combined"][~surface][:, :3].max() == 0.0
            assert full["ViewLayer.Combined"][~surface][:, :3].max() > 0.0
            switched_skies += 1
    producer.close()
    assert family != "concept" or switched_skies == 2        # concept's skies are gradients, seen in both samples


@pytest.mark.parametrize("family", ["concept", "motion"])
def test_a_frame_is_the_same_whether_its_data_render_shed_its_shading_or_not(family):
    """Pixels of the beauty and every label pass, frame by frame (a clip re-renders with persistent data)."""
    cfg, producer = _producer(family)
    backend = producer.backend
    spec = producer.family.build(cfg.scene, Streams((cfg.seed, 0, 0)), 0, 96, 72)
    backend.build(spec)
    frames = {}
    for shed in (True, False):
        backend.shed_data_shading = shed
        frames[shed] = backend.render(spec)
        assert backend.scene.get(DATA_RENDER, 0.0) == 0.0      # what a saved .blend renders: the full materials
        data = {n: px for _, channels, _ in exr_parts(backend.exr_path) for n, px in channels.items()}
        lit = data["ViewLayer.Combined"][data["ViewLayer.Object Index.X"] > 0][:, :3].max()
        assert (lit == 0.0) == shed              # the last frame's data render shed its shading, or did not
    producer.close()
    assert len(frames[True]) == spec.n_frames
    for a, b in zip(frames[True], frames[False]):
        for name in ("rgb", "depth", "normal", "instance", "semantic", "part"):
            assert np.array_equal(getattr(a, name), getattr(b, name)), name


def test_qa_judges_the_data_render_and_only_an_accepted_attempt_gets_its_beauty(monkeypatch):
    """Labels and QA come from the data render: a producer beauty-renders the attempt it accepts, once, and its picture
    and labels are those of backend.render() (both renders in one call); a rejected attempt never gets a beauty."""
    cfg, producer = _producer("concept")
    backend = producer.backend
    beauties = []
    render_beauty = backend.render_beauty
    monkeypatch.setattr(backend, "render_beauty", lambda spec, frames: (beauties.append(spec), render_beauty(spec, frames)))
    sample, _ = producer.produce(0)
    assert sample is not None and beauties == [sample.spec]
    together = backend.render(sample.spec)[0]
    for name in ("rgb", "depth", "normal", "instance", "semantic"):
        assert np.array_equal(getattr(sample.frames[0], name), getattr(together, name)), name
    producer.close()

    cfg = compose(["scene=concept", "render=preview", "render.resolution=[96,72]", "qa.min_subject_pixels=100000"])
    producer = SampleProducer(cfg, content_hash(cfg))     # no subject covers 100,000 px of a 96x72 image
    beauties.clear()
    monkeypatch.setattr(producer.backend, "render_beauty", lambda spec, frames: beauties.append(spec))
    sample, reasons = producer.produce(0)
    producer.close()
    assert sample is None and len(reasons) == cfg.qa.max_attempts and beauties == []
    assert all("subject too hidden" in reason for reason in reasons)
