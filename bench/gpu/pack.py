"""Pack what a lent GPU machine lacks to run the engine (issue #19): it has Python 3.12 and no network, bpy exists for
Python 3.11 and 3.13 only. Run here (Python 3.11, the engine installed):

    python bench/gpu/pack.py                 # -> .gpu/part-01 ... part-NN (each under the device's 64 MiB carry)

The kit is this interpreter (relocated with PYTHONHOME), the installed distributions the engine needs (bpy without
its AMD/Intel GPU kernels; not open3d or pyarrow, which only optional outputs use), the shared libraries they load
that a bare CUDA image may lack (X11 client libraries and the like; never glibc or libstdc++), one xz archive split
into parts; plus the pure-Python wheels the device's own Python 3.12 (which has torch) needs for the augmentation.
bench/gpu/README.md says how to carry the parts and run the benchmark.
"""
import argparse
import hashlib
import importlib.metadata as metadata
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import tomllib
import zipfile
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
OPTIONAL = {"open3d", "pyarrow"}            # output.scene3d and export hf only; hundreds of MB with their needs
# AMD and Intel GPU kernels; and the CUDA cubins: none is for the lent Hopper GPUs (sm_90), which JIT-compile the PTX
SKIP_IN_BPY = ("kernel_gfx", "kernel_rt_gfx", "device_hip", "device_sycl", "kernel_sm_")
STDLIB_SKIP = {"site-packages", "test", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3", "__pycache__",
               "_tkinter.cpython-311-x86_64-linux-gnu.so"}
# the device's own copies of these are newer and must be used (glibc and the C++ runtime are not relocatable)
SYSTEM_LIBS = ("libc.so", "libm.so", "libpthread.so", "libdl.so", "librt.so", "libutil.so", "libresolv.so",
               "libmvec.so", "ld-linux", "libgcc_s.so", "libstdc++.so", "linux-vdso", "libpython")
PY312_WHEELS = ["diffusers", "omegaconf", "antlr4-python3-runtime"]   # the device's Python has torch, transformers
NVCC_WHEEL = "nvidia-cuda-nvcc-cu12==12.9.86"    # ptxas, for the Hopper kernel (newer than the PTX's CUDA 11.4)
CARRY_BYTES = 64 * 2 ** 20                 # a device call carries the working tree and one part together


def part_bytes() -> int:
    """What is left of a call's carry beside the repository's tracked files (and 1 MiB for the manifest, untracked)."""
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    size = sum((ROOT / name).stat().st_size for name in tracked.decode().split("\0") if (ROOT / name).is_file())
    return CARRY_BYTES - size - 2 ** 20


def needed_distributions() -> list[str]:
    """The engine's dependencies (pyproject) and theirs, by Requires-Dist with markers evaluated for this Python."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    todo = [Requirement(r) for r in project]
    seen = {}
    while todo:
        req = todo.pop()
        if req.marker and not req.marker.evaluate({"extra": ""}):
            continue
        key = req.name.lower().replace("_", "-")
        if key in seen or key in OPTIONAL:
            continue
        dist = metadata.distribution(req.name)
        seen[key] = dist
        todo += [Requirement(r) for r in dist.requires or []]
    return sorted(seen)


def copy_distribution(name: str, site: Path) -> int:
    dist, size = metadata.distribution(name), 0
    for file in dist.files or []:
        parts = Path(file).parts
        if ".." in parts or "__pycache__" in parts or (name == "bpy" and any(s in file.name for s in SKIP_IN_BPY)):
            continue
        source = Path(dist.locate_file(file))
        if source.is_file():
            target = site / file
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            size += source.stat().st_size
    return size


def hopper_kernel(site: Path, cache: Path):
    """bpy 5.0.1 ships no CUDA kernel for Hopper (sm_90), so the driver compiles the 12 MB PTX at the first render:
    on an H200 that did not finish in 12 minutes (OptiX loads it too). NVIDIA's ptxas compiles it here instead
    (~6 min on one core, once: kept in `cache`), and Cycles finds lib/kernel_sm_90.cubin.zst as if Blender shipped it."""
    import zstandard
    lib = next(site.glob("bpy/*/scripts/addons_core/cycles/lib"))
    cubin = cache / f"kernel_sm_90-bpy{metadata.version('bpy')}.cubin.zst"
    if not cubin.exists():
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(tmp), NVCC_WHEEL],
                           check=True)
            with zipfile.ZipFile(next(tmp.glob("*.whl"))) as wheel:
                ptxas = Path(wheel.extract("nvidia/cuda_nvcc/bin/ptxas", tmp))
            ptxas.chmod(0o755)
            ptx = tmp / "kernel.ptx"
            with open(lib / "kernel_compute_75.ptx.zst", "rb") as f:
                ptx.write_bytes(zstandard.ZstdDecompressor().stream_reader(f).read())
            print("compiling the sm_90 CUDA kernel with ptxas (minutes, once)", flush=True)
            subprocess.run([str(ptxas), "-arch=sm_90", "--split-compile", "0", str(ptx), "-o", str(tmp / "k.cubin")],
                           check=True)
            cubin.write_bytes(zstandard.ZstdCompressor(level=19).compress((tmp / "k.cubin").read_bytes()))
    shutil.copy2(cubin, lib / "kernel_sm_90.cubin.zst")


def copy_interpreter(kit: Path):
    prefix, version = Path(sys.base_prefix), f"python{sys.version_info.major}.{sys.version_info.minor}"
    for folder in ("bin", "lib"):
        (kit / folder).mkdir(parents=True)
    shutil.copy2(Path(sys.executable).resolve(), kit / "bin" / version)
    for lib in Path(sysconfig.get_config_var("LIBDIR")).glob("libpython*.so*"):
        shutil.copy2(lib, kit / "lib" / lib.name)
    stdlib = prefix / "lib" / version
    shutil.copytree(stdlib, kit / "lib" / version, ignore=lambda d, names: [
        n for n in names if n in STDLIB_SKIP or (Path(d) == stdlib and n.startswith("config-"))])


def copy_shared_libraries(kit: Path) -> list[str]:
    """Every library that the kit's binaries load from this system, except glibc's and the C++ runtime."""
    binaries = [p for p in kit.rglob("*") if p.is_file() and (".so" in p.suffixes or p.parent.name == "bin")]
    found, missing = {}, set()
    for chunk in range(0, len(binaries), 200):
        out = subprocess.run(["ldd", *map(str, binaries[chunk:chunk + 200])], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if "=>" not in line:
                continue
            name, where = (s.strip() for s in line.split("=>", 1))
            path = where.split(" (")[0].strip()
            if path == "not found":
                missing.add(name)
            elif path.startswith("/") and not path.startswith(str(kit)) and not name.startswith(SYSTEM_LIBS):
                found[name] = path
    (kit / "syslib").mkdir()
    for name, path in found.items():
        shutil.copy2(path, kit / "syslib" / name)
    # a library the kit ships itself (bpy/lib, numpy.libs) was reported missing only outside its RPATH
    return sorted(m for m in missing if not any(kit.rglob(m)))


def split(archive: Path, out: Path, extra: list[Path]) -> list[Path]:
    """Cut the archive into parts that fit a call's carry, one folder each, every folder carrying the manifest."""
    data_parts, digest, size = [], hashlib.sha256(), part_bytes()
    with open(archive, "rb") as f:
        while chunk := f.read(size):
            data_parts.append(chunk)
            digest.update(chunk)
    folders = []
    lines = [f"archive kit.tar.xz {archive.stat().st_size} {digest.hexdigest()}"]
    for i, chunk in enumerate(data_parts, 1):
        folder = out / f"part-{i:02d}"
        folder.mkdir(parents=True)
        (folder / f"kit.tar.xz.{i:02d}").write_bytes(chunk)
        lines.append(f"part kit.tar.xz.{i:02d} {len(chunk)} {hashlib.sha256(chunk).hexdigest()}")
        folders.append(folder)
    for wheel in extra:                       # small: with the last part
        shutil.copy2(wheel, folders[-1] / wheel.name)
        lines.append(f"wheel {wheel.name}")
    for folder in folders:
        (folder / "MANIFEST").write_text("\n".join(lines) + f"\nparts {len(folders)}\n")
    return folders


def py312_wheels(folder: Path) -> list[Path]:
    pins = [f"{n}=={metadata.version(n)}" for n in PY312_WHEELS]
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                    "--python-version", "3.12", "--implementation", "py", "-d", str(folder), *pins], check=True)
    return sorted(folder.glob("*.whl"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / ".gpu"), help="where the part folders go (replaced)")
    args = parser.parse_args()
    out = Path(args.out)
    for old in out.glob("part-*"):             # out/cache keeps the compiled Hopper kernel
        shutil.rmtree(old)
    with tempfile.TemporaryDirectory() as tmp:
        kit = Path(tmp) / "kit"
        copy_interpreter(kit)
        site, total = kit / "site-packages", 0
        names = needed_distributions()
        for name in names:
            total += copy_distribution(name, site)
        hopper_kernel(site, out / "cache")
        print(f"{len(names)} distributions, {total / 2 ** 20:.0f} MiB: {' '.join(names)}")
        missing = copy_shared_libraries(kit)
        print(f"system libraries carried: {len(list((kit / 'syslib').iterdir()))}; not found here: {missing or 'none'}")
        archive = Path(tmp) / "kit.tar.xz"
        subprocess.run(f"tar -C {kit} -cf - . | xz -T0 -6 > {archive}", shell=True, check=True)
        wheels = py312_wheels(Path(tmp) / "wheels")
        folders = split(archive, out, wheels)
        size = archive.stat().st_size
    print(f"kit {size / 2 ** 20:.0f} MiB in {len(folders)} parts under {out}; carry one per call (bench/gpu/README.md)")


if __name__ == "__main__":
    main()
