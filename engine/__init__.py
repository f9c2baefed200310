"""The engine: config, scene spec, Blender backend, annotation, QA, writers and the batch runner."""
__version__ = "0.1.0"
