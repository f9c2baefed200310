"""The kernel: scene spec, geometry, taxonomy, random streams, the Blender backend (the only bpy user), render passes,
rasteriser, annotation, QA, the sample layout and storage, exports, 3D/VFX outputs and the report. It never imports a
scene family, a generator or the job."""
__version__ = "0.1.0"
