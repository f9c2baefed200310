"""The Blender backend: the only module that imports bpy.

One BlenderBackend is one long-lived Blender session. For each sample: build(spec) first resets the session (it reloads
the empty home file and sets up our render settings, sky, sun and camera again, which frees everything the last sample
made), then creates the spec's datablocks; render(spec) runs per frame one data render (a sample at each pixel
centre: depth, normals, object and material index) and then, in the photo look, per frame a beauty render (RGB), read
back as FramePasses. What outlives a sample: the originals of the
photo-look materials (engine.node_replay's library, .blend files in the work directory), copied instead of rebuilt.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from engine.geometry import image_rays, lens_polynomial
from engine.imaging import AGX_LOOK, agx_to_srgb8, apply_haze, linear_to_srgb8, metered_exposure
from engine.lighting import build_world, lighting, recipe_lighting
from engine.node_replay import MaterialCopies, MaterialLibrary
from engine.passes import FramePasses
from engine.renderio import (PART_STRIDE, WORKDIR_PREFIX, blender_log_silenced, decode_data_passes, exr_parts,
                             remove_dead_workdirs)
from engine.shading import REST_ATTRIBUTE, photo_material
from engine.surfaces import DATA_RENDER, GEOMETRIC_NORMAL_AOV, flat_material
from engine.spec import SceneSpec

SHARP_DEG = 30.0         # edges between faces meeting at more than this are sharp; gentler ones are shaded smooth


class BackendError(RuntimeError):
    pass


class BlenderBackend:
    def __init__(self, render_cfg, taxonomy, workdir: str | None = None, exr_deliverable: str | None = None):
        """exr_deliverable: None, or "half" / "float" to also render the VFX passes (position, albedo, Cryptomatte
        object and material) into the EXR, at that colour depth, and hand its parts back with each frame."""
        import bpy
        self.bpy = bpy
        self.cfg = render_cfg
        self.taxonomy = taxonomy
        self.exr_deliverable = exr_deliverable
        self.look = render_cfg.look
        self.light, self.exposure = None, 1.0
        self.copy_materials = True      # False: every material built from scratch (tests compare the two)
        shm = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
        base = workdir or shm or tempfile.gettempdir()
        remove_dead_workdirs(base)
        # named by our pid, so a later run can tell a dead process's leftovers (RAM in /dev/shm) from a live one's
        self._tmp = tempfile.TemporaryDirectory(prefix=f"{WORKDIR_PREFIX}{os.getpid()}-", dir=base)
        self.exr_path = str(Path(self._tmp.name) / "passes.exr")
        self.beauty_path = str(Path(self._tmp.name) / "beauty.exr")
        self.library = MaterialLibrary(bpy.data, self._tmp.name)     # materials' originals, kept between samples
        with blender_log_silenced():
            bpy.ops.wm.read_factory_settings(use_empty=True)
            self.device = self._select_device(render_cfg.device)   # preferences: survive the per-sample reset
            # the photo look's data render shades nothing (engine.surfaces.DATA_RENDER) unless the EXR deliverable
            # keeps its albedo passes; on a GPU the shaders' changed features would reload the kernels (OptiX)
            self.shed_data_shading = self.look == "photo" and not exr_deliverable and self.device == "CPU"
            self._new_scene()

    # ---- one-time set-up -----------------------------------------------------------------------------------------
    def _new_scene(self):
        """An empty session with our render settings, sky, sun and camera. Loading the empty home file takes ~10 ms
        and frees everything the last sample made; deleting thousands of datablocks one by one took longer with every
        sample (0.3 s growing to 1.5 s for 5,000 plants after five samples)."""
        self.bpy.ops.wm.read_homefile(use_empty=True)
        self.scene = self.bpy.context.scene
        self._configure_render()
        self._make_world_and_sun()
        self.materials = MaterialCopies(self.bpy.data, self.library)
        self._dirty = False
        self._built_key = None          # SceneSpec.scene_key of what build() made (views of it only move the camera)

    def _configure_render(self):
        s, r = self.scene, self.cfg
        s.render.engine = "CYCLES"
        s.render.resolution_x, s.render.resolution_y = int(r.resolution[0]), int(r.resolution[1])
        s.render.resolution_percentage = 100
        s.render.film_transparent = False
        s.render.use_persistent_data = True     # frames of one clip reuse the BVH; the reset drops it
        s.cycles.device = "CPU" if self.device == "CPU" else "GPU"
        if r.threads > 0:
            s.render.threads_mode, s.render.threads = "FIXED", int(r.threads)
        self._sampling(beauty=self.look == "flat")
        s.cycles.diffuse_bounces, s.cycles.glossy_bounces = 2, 2      # max_bounces: _sampling
        # few lights (sun, sky, a room's lamps and windows): the light tree costs more than it saves (an interior
        # rendered 25 % quicker without it, same look after denoising)
        s.cycles.use_light_tree = False
        # what Blender itself would show (the .blend's renders): the flat look's Standard view, or the photo look's AgX
        # with the exposure the backend meters (set before saving a .blend); our rgb.png is made the same way
        s.view_settings.view_transform = "Standard" if self.look == "flat" else "AgX"
        s.view_settings.look = "None" if self.look == "flat" else AGX_LOOK
        view_layer = s.view_layers[0]
        view_layer.use_pass_z = view_layer.use_pass_normal = True
        if GEOMETRIC_NORMAL_AOV not in view_layer.aovs:   # the normal label: the surface's, before any bump (shading)
            aov = view_layer.aovs.add()
            aov.name, aov.type = GEOMETRIC_NORMAL_AOV, "COLOR"
        view_layer.use_pass_object_index = view_layer.use_pass_material_index = True
        settings = s.render.image_settings
        settings.media_type = "MULTI_LAYER_IMAGE"
        settings.file_format = "OPEN_EXR_MULTILAYER"
        settings.color_depth = "32"
        settings.exr_codec = "NONE"             # the file lives in memory for a moment; compression only costs time
        if self.exr_deliverable:
            view_layer.use_pass_position = view_layer.use_pass_diffuse_color = view_layer.use_pass_glossy_color = True
            view_layer.use_pass_vector = True          # motion vectors of clips (zero for stills)
            view_layer.use_pass_cryptomatte_object = view_layer.use_pass_cryptomatte_material = True
            view_layer.pass_cryptomatte_depth = 6
            # Blender keeps depth, position, indices and Cryptomatte in float32 even at half depth
            settings.color_depth = "16" if self.exr_deliverable == "half" else "32"
            settings.exr_codec = "ZIP"

    def _sampling(self, beauty: bool):
        """The data render: ~no pixel filter and one sample, so every pixel shows the surface at its centre (integral
        index passes, hard masks, exact depth and normals). The photo look's beauty render: Blackman-Harris pixel
        filter, the profile's samples and denoising, so textures and edges are anti-aliased as a camera's are. The
        flat look renders once, unfiltered (its RGB aliases)."""
        s, r = self.scene, self.cfg
        photo_beauty = beauty and self.look == "photo"
        s.cycles.samples = int(r.samples) if beauty else 1
        # the data passes are the first hit's: a data render that stops there writes the same passes to the bit
        # (all 41 EXR channels compared, six families), 5-35 % quicker
        s.cycles.max_bounces = 4 if beauty else 0
        s.cycles.filter_width = 1.5 if photo_beauty else 0.01
        s.cycles.use_denoising = bool(r.denoise) and beauty
        s.render.filepath = self.beauty_path if photo_beauty else self.exr_path

    def _select_device(self, wanted: str) -> str:
        prefs = self.bpy.context.preferences.addons["cycles"].preferences
        backends = ["OPTIX", "CUDA"] if wanted == "auto" else [wanted.upper()] if wanted != "cpu" else []
        for backend in backends:
            try:
                prefs.compute_device_type = backend
            except TypeError:
                continue
            prefs.get_devices()
            gpus = [d for d in prefs.devices if d.type == backend]
            if gpus:
                for d in prefs.devices:
                    d.use = d.type == backend
                return backend
        if wanted in ("cuda", "optix"):
            raise BackendError(f"render.device={wanted}: Cycles finds no {wanted.upper()} device here; use render.device=auto or cpu")
        return "CPU"

    def _make_world_and_sun(self):
        bpy = self.bpy
        self.scene.world = bpy.data.worlds.new("sky")   # its node tree is filled per sample (engine.lighting)
        light = bpy.data.lights.new("sun", "SUN")
        self.sun = bpy.data.objects.new("sun", light)
        self.scene.collection.objects.link(self.sun)
        camera = bpy.data.cameras.new("camera")
        camera.sensor_fit = "HORIZONTAL"
        self.camera = bpy.data.objects.new("camera", camera)
        self.scene.collection.objects.link(self.camera)
        self.scene.camera = self.camera

    # ---- per sample ----------------------------------------------------------------------------------------------
    def build(self, spec: SceneSpec):
        from mathutils import Vector
        if spec.scene_key is not None and spec.scene_key == self._built_key:
            self._set_camera(spec)         # another view of the scene built last: only the camera moves, and Cycles
            return                         # keeps its BVH, shaders and the sky's importance map (persistent data)
        env = spec.environment
        # always from a fresh session: Blender is one per process, and another backend in it (tests make a few) may
        # have reloaded it since, freeing this one's scene, sun and camera
        with blender_log_silenced():
            self._new_scene()
        self._dirty = True
        self.clear_coats = []     # objects only the beauty render sees (a cornea: the data passes look through it)
        s = self.scene
        self.light = lighting(env) if self.look == "photo" else recipe_lighting(env)
        build_world(s.world.node_tree, self.light, simple_indirect=self.cfg.indirect == "simple")
        # the sky is no light to sample: it is smooth (the sun is a lamp), bounces find it, light samples go to the sun
        # and lamps; less noise and no map to build per sample (bench/bench_world_sampling.py: 0-35 % less, 2-9 % quicker)
        s.world.cycles.sampling_method = "NONE"
        sun = self.sun.data
        sun.color, sun.energy, sun.angle = self.light.sun_color, self.light.sun_strength, np.deg2rad(self.light.sun_angle_deg)
        self.sun.rotation_euler = Vector(env.sun_direction).to_track_quat("Z", "Y").to_euler()   # light shines down -Z
        self._set_camera(spec)
        self._built_key = spec.scene_key
        if self.look == "photo" and self.copy_materials:
            self.materials.preload({self._material_key(m, rest) for o in spec.objects for m in o.materials
                                    for rest in (False, True)})
        self._build_objects(spec)
        self.materials.finish()

    def _set_camera(self, spec: SceneSpec):
        from mathutils import Matrix
        s, cam = self.scene, self.camera.data
        if spec.camera.model == "equirectangular":
            cam.type, cam.panorama_type = "PANO", "EQUIRECTANGULAR"   # Depth.Z is then the distance along the ray
        elif spec.camera.model == "distorted":       # Cycles' polynomial lens: theta(r_mm) = -(k0 + k1 r + ... + k4 r^4)
            c = spec.camera
            a = lens_polynomial(c.distortion, c.K(), c.width, c.height)       # theta(rho), rho = r_mm / lens_mm
            cam.type, cam.panorama_type, cam.sensor_fit = "PANO", "FISHEYE_LENS_POLYNOMIAL", "HORIZONTAL"
            cam.fisheye_fov = np.pi
            for i in range(5):
                setattr(cam, f"fisheye_polynomial_k{i}", float(-a[i] / c.lens_mm ** i))
        cam.lens, cam.sensor_width = spec.camera.lens_mm, spec.camera.sensor_width_mm
        cam.clip_start, cam.clip_end = spec.camera.clip_start, spec.camera.clip_end
        self.camera.matrix_world = Matrix(np.asarray(spec.camera.poses[0]).tolist())
        if spec.n_frames > 1:          # a clip: keyframed, so Cycles knows the motion (vector pass) and the .blend plays it
            for frame, camera_pose in enumerate(spec.camera.poses):
                self.camera.matrix_world = Matrix(np.asarray(camera_pose).tolist())
                self.camera.keyframe_insert("location", frame=frame + 1)
                self.camera.keyframe_insert("rotation_euler", frame=frame + 1)
            s.frame_start, s.frame_end = 1, spec.n_frames
            s.render.fps = max(1, int(round(spec.fps)))
        if (s.render.resolution_x, s.render.resolution_y) != (spec.camera.width, spec.camera.height):
            s.render.resolution_x, s.render.resolution_y = spec.camera.width, spec.camera.height

    def _build_objects(self, spec: SceneSpec):
        bpy, s = self.bpy, self.scene
        shared = {}   # one mesh datablock per distinct spec Mesh: plants that share a mesh are instanced by Cycles
        for obj_spec in spec.objects:
            if obj_spec.morph is not None:
                self._build_deforming(obj_spec, spec.n_frames, self._make_materials(obj_spec, rest=True))
                continue
            if obj_spec.articulation is not None:
                if obj_spec.articulation.skin is not None:
                    self._build_skinned(obj_spec, spec.n_frames)
                else:
                    self._build_articulated(obj_spec, spec.n_frames)
                continue
            mesh = shared.get(id(obj_spec.mesh))
            if mesh is None:
                mesh = shared[id(obj_spec.mesh)] = self._make_mesh(obj_spec)
            obj = bpy.data.objects.new(obj_spec.name, mesh)
            obj.pass_index = obj_spec.instance_id      # Object Index pass = instance id
            self._place(obj, [obj_spec.pose(f) for f in range(len(obj_spec.poses))])
            s.collection.objects.link(obj)
            self.clear_coats += [obj] if all(m.kind == "cornea" for m in obj_spec.materials) else []

    def _place(self, obj, matrices: list):
        """Set an object's pose; several poses are keyframed on frames 1..n (the vector pass and .blend see them)."""
        from mathutils import Matrix
        obj.matrix_world = Matrix(np.asarray(matrices[0]).tolist())
        if len(matrices) > 1:
            for frame, matrix in enumerate(matrices):
                obj.matrix_world = Matrix(np.asarray(matrix).tolist())
                for path in ("location", "rotation_euler", "scale"):
                    obj.keyframe_insert(path, frame=frame + 1)

    def _build_articulated(self, obj_spec, n_frames: int):
        """An actor: one Blender object per rigid part (mesh in the part's frame, its own materials carrying the part
        id), all with the actor's instance id, each keyframed on its own part-to-world pose."""
        bpy, m, art = self.bpy, obj_spec.mesh, obj_spec.articulation
        for p in np.unique(art.face_part):
            materials = self._make_materials(obj_spec, part=int(p))
            faces = m.faces[art.face_part == p]
            used = np.unique(faces)
            remap = np.zeros(len(m.vertices), dtype=np.int64)
            remap[used] = np.arange(len(used))
            mesh = self._mesh_datablock(f"{obj_spec.name}.{p}", m.vertices[used], remap[faces],
                                        m.face_material[art.face_part == p], materials)
            obj = bpy.data.objects.new(f"{obj_spec.name}.{p}", mesh)
            obj.pass_index = obj_spec.instance_id
            self._place(obj, [obj_spec.pose(f) @ art.part_pose(f)[p] for f in range(max(n_frames, 1))])
            self.scene.collection.objects.link(obj)

    def _build_skinned(self, obj_spec, n_frames: int):
        """A skinned actor: a deforming mesh (the numpy skinning's vertices per frame) with a material per (material,
        part) pair, which carries the part id."""
        m, art = obj_spec.mesh, obj_spec.articulation
        pairs, slot = np.unique(art.face_part * len(obj_spec.materials) + m.face_material, return_inverse=True)
        by_part = {int(p): self._make_materials(obj_spec, part=int(p), rest=True)
                   for p in np.unique(pairs // len(obj_spec.materials))}
        materials = [by_part[int(k) // len(obj_spec.materials)][int(k) % len(obj_spec.materials)] for k in pairs]
        self._build_deforming(obj_spec, n_frames, materials, slot)

    def _build_deforming(self, obj_spec, n_frames: int, materials: list, slot=None):
        """A deforming mesh: one object, its vertices keyed per frame as shape keys (key f is 1 on frame f+1, 0 on its
        neighbours: the vector pass sees the deformation); its rest positions are an attribute the patterns read."""
        bpy, m = self.bpy, obj_spec.mesh
        mesh = self._mesh_datablock(obj_spec.name, obj_spec.mesh_at(0).vertices, m.faces,
                                    m.face_material if slot is None else slot, materials)
        rest = mesh.attributes.new(REST_ATTRIBUTE, "FLOAT_VECTOR", "POINT")      # patterns stick to the body
        rest.data.foreach_set("vector", m.vertices.astype(np.float32).ravel())
        obj = bpy.data.objects.new(obj_spec.name, mesh)
        obj.pass_index = obj_spec.instance_id
        self._place(obj, [obj_spec.pose(f) for f in range(max(n_frames, 1))])
        self.scene.collection.objects.link(obj)
        if n_frames > 1:
            obj.shape_key_add(name="frame_1", from_mix=False)
            for f in range(1, n_frames):
                key = obj.shape_key_add(name=f"frame_{f + 1}", from_mix=False)
                key.data.foreach_set("co", obj_spec.mesh_at(f).vertices.astype(np.float32).ravel())
                for frame, value in ((f, 0.0), (f + 1, 1.0), (f + 2, 0.0)):
                    key.value = value
                    key.keyframe_insert("value", frame=frame)

    def _make_mesh(self, obj_spec):
        m = obj_spec.mesh
        return self._mesh_datablock(obj_spec.name, m.vertices, m.faces, m.face_material, self._make_materials(obj_spec))

    def _mesh_datablock(self, name: str, vertices, faces, face_material, materials):
        mesh = self.bpy.data.meshes.new(name)
        mesh.vertices.add(len(vertices))
        mesh.vertices.foreach_set("co", vertices.astype(np.float32).ravel())
        mesh.loops.add(3 * len(faces))
        mesh.loops.foreach_set("vertex_index", faces.astype(np.int32).ravel())
        mesh.polygons.add(len(faces))
        mesh.polygons.foreach_set("loop_start", np.arange(0, 3 * len(faces), 3, dtype=np.int32))
        mesh.polygons.foreach_set("material_index", face_material.astype(np.int32))
        mesh.update()
        # faces are shaded smooth since Blender 4.1: without sharp edges a box's walls would get normals interpolated
        # across their 90-degree edges (a rubbery look, and wrong normal labels)
        mesh.set_sharp_from_angle(angle=float(np.deg2rad(SHARP_DEG)))
        for mat in materials:
            mesh.materials.append(mat)
        return mesh

    def _make_materials(self, obj_spec, part: int | None = None, rest: bool = False) -> list:
        class_id = self.taxonomy[obj_spec.class_path].id
        materials = []
        for mat_spec in obj_spec.materials:
            # named class path first, so a Cryptomatte material matte can be grouped by class
            owner = obj_spec.name if part is None else f"{obj_spec.name}.{part}"
            name = f"{obj_spec.class_path}/{mat_spec.name}/{owner}"
            if self.look == "photo":    # one build per structure, then copies (engine.node_replay)
                key = self._material_key(mat_spec, rest) if self.copy_materials else None
                mat = self.materials.build(name, key, lambda tree, m=mat_spec: photo_material(
                    tree, m, rest, self.cfg.indirect == "simple", int(self.cfg.bevel_samples)))
            else:
                mat = self.bpy.data.materials.new(name)
                flat_material(mat.node_tree, mat_spec)
            # Material Index pass = semantic class (+ the body part of an actor)
            mat.pass_index = class_id + (0 if part is None else PART_STRIDE * (part + 1))
            materials.append(mat)
        return materials

    @staticmethod
    def _material_key(mat_spec, rest: bool) -> tuple:
        """What decides a photo-look material's node structure (a replay checks that it did not miss anything)."""
        return (mat_spec.kind, mat_spec.pattern, mat_spec.wet_below is None, mat_spec.emission > 0,
                mat_spec.albedo_gain is None, rest)

    def render(self, spec: SceneSpec) -> list[FramePasses]:
        """Every frame's data render, then (photo look) every frame's beauty render -> the frames' passes in OpenCV
        image order. job.sample calls the two halves itself: a sample its QA rejects never gets a beauty render."""
        frames = self.render_data(spec)
        self.render_beauty(spec, frames)
        return frames

    def render_data(self, spec: SceneSpec) -> list[FramePasses]:
        """Per frame, the data render read back. The flat look's one render also makes the RGB; in the photo look
        `rgb` is None until render_beauty."""
        frames = []
        for frame in range(spec.n_frames):
            if spec.n_frames > 1:
                self.scene.frame_set(frame + 1)  # keyframed poses (see build)
            self._render(beauty=self.look == "flat", write=True)
            frames.append(self.read_passes(spec, frame))
        return frames

    def render_beauty(self, spec: SceneSpec, frames: list[FramePasses]):
        """The photo look's beauty render of each frame, of the same scene state as its data render: its RGB (and
        the deliverable EXR's Combined) into the frame's passes."""
        if self.look != "photo":
            return
        for frame, passes in enumerate(frames):
            if spec.n_frames > 1:
                self.scene.frame_set(frame + 1)
            self._render(beauty=True, write=True)
            self.read_beauty(spec, frame, passes)

    def _render(self, beauty: bool, write: bool):
        for obj in self.clear_coats:    # Cycles let a clear coat's id through in ~3 % of an iris's pixels
            obj.hide_render = not beauty
        self._sampling(beauty)
        if self.shed_data_shading:      # 0 after the last render; the tag makes Cycles read it again
            self.scene[DATA_RENDER] = float(not beauty)
            self.scene.update_tag()
        with blender_log_silenced():
            self.bpy.ops.render.render(write_still=write)

    def render_only(self):
        """The same render(s) as one frame of render(), with nothing written or read back (benchmarks compare the
        engine against this)."""
        for beauty in ((False, True) if self.look == "photo" else (True,)):
            self._render(beauty, write=False)

    def read_passes(self, spec: SceneSpec, frame: int) -> FramePasses:
        """The data render's passes (and the flat look's RGB) from its EXR."""
        parts = exr_parts(self.exr_path)                 # read once: the passes, and the deliverable's layers
        ch = {name: pixels for _, channels, _ in parts for name, pixels in channels.items()}
        passes = decode_data_passes(ch, spec.camera, frame, self.taxonomy["sky"].id)
        if self.look == "flat":
            passes.rgb = self._develop(ch["ViewLayer.Combined"][..., :3].astype(np.float32), passes.depth, spec, frame)
        if self.exr_deliverable:     # every layer but the denoiser's noisy copy of the beauty
            passes.exr_parts = [p for p in parts if "Noisy" not in p[2]]
        return passes

    def read_beauty(self, spec: SceneSpec, frame: int, passes: FramePasses):
        """The beauty render's image, developed, into `passes` (whose data render it replaces in the deliverable)."""
        beauty = {name: pixels for _, channels, _ in exr_parts(self.beauty_path) for name, pixels in channels.items()}
        passes.rgb = self._develop(beauty["ViewLayer.Combined"][..., :3].astype(np.float32), passes.depth, spec, frame)
        if passes.exr_parts is not None:
            passes.exr_parts = [(header, {k: beauty.get(k, v) if "Combined" in k else v for k, v in channels.items()},
                                 name) for header, channels, name in passes.exr_parts]

    def _develop(self, linear: np.ndarray, depth: np.ndarray, spec: SceneSpec, frame: int) -> np.ndarray:
        """The render's linear RGB -> 8-bit sRGB. Aerial haze from the exact depth first; then the flat look's
        Standard view, or the photo look's metered exposure (from a clip's first frame, so it does not flicker),
        and AgX (daylight white balance is already in the lights). Data passes never pass through here."""
        light, env, camera = self.light, spec.environment, spec.camera
        if env.haze_density > 0:             # each pixel's world ray: haze integrates along it
            h, w = depth.shape
            world_to_camera = camera.world_to_camera(frame)
            rays = image_rays(camera.model, camera.K(), w, h, camera.distortion) @ world_to_camera[:3, :3]
            eye_z = float(np.linalg.inv(world_to_camera)[2, 3])
            linear = apply_haze(linear, depth, env.haze_density, light.haze_radiance, sky=light.haze_sky, rays=rays,
                                eye_z=eye_z, scale_height=env.haze_height_m)
        if self.look == "flat":
            return linear_to_srgb8(linear)
        if frame == 0:       # a recipe's own light (a concept's grammar sets brightness as a cause) is not metered
            metered = metered_exposure(linear, env.exposure_key) if light.sky_model != "gradient" else 1.0
            self.exposure = metered * 2.0 ** float(self.cfg.exposure_ev)
        return agx_to_srgb8(linear * self.exposure)

    def save_blend(self, path: str):
        """Save the built scene as a .blend (compressed, relative paths, nothing external, no scripts). A clip is
        keyframed (see build) so the file plays it; renders go to '//render_####.png' beside the file."""
        s = self.scene
        s.frame_set(1)
        self._sampling(beauty=True)
        if self.look == "photo":        # the exposure metered on the first frame, so the file renders our rgb.png
            s.view_settings.exposure = float(np.log2(self.exposure))
        s.render.filepath = "//render_"
        s.render.image_settings.media_type = "IMAGE"
        s.render.image_settings.file_format = "PNG"
        try:
            with blender_log_silenced():
                self.bpy.ops.wm.save_as_mainfile(filepath=str(path), copy=True, compress=True, relative_remap=True)
        finally:
            self._configure_render()           # back to our EXR output for the next render

    def reset(self):
        """Drop everything the last build() made (a fresh empty session, see _new_scene)."""
        if self._dirty:
            with blender_log_silenced():
                self._new_scene()

    def close(self):
        self.reset()
        self._tmp.cleanup()
