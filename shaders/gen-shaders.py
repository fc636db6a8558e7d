#!/usr/bin/env python3
# Compiles every kernel variant listed in the tables to SPIR-V and embeds the
# words as C arrays.
#
# A table line is:  NAME  SOURCE.comp  [KEY=VALUE ...]  [@requires=FEATURE]
# KEY=VALUE pairs become -D definitions; '@requires=' names a device feature the
# engine must find before it uses the variant (nv_coopmat, khr_coopmat, fp16,
# int8).  A variant whose source needs a compiler capability we only probe for
# (GL_KHR_cooperative_matrix) carries '@probe=khr_coopmat': it is built only
# when the probe compiles, and otherwise left out with a note in the header.
#
# Usage: gen-shaders.py --glslc PATH --src DIR --out-c F --out-h F --spv-dir D TABLE...

import argparse
import concurrent.futures
import os
import subprocess
import sys
import tempfile

PROBE_SOURCES = {
    "khr_coopmat": """#version 450
#extension GL_KHR_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
layout(local_size_x = 32) in;
layout(std430, binding = 0) buffer B { float16_t d[]; };
void main() {
    coopmat<float16_t, gl_ScopeSubgroup, 16, 16, gl_MatrixUseA> m;
    coopMatLoad(m, d, 0, 16, gl_CooperativeMatrixLayoutRowMajor);
    coopMatStore(m, d, 256, 16, gl_CooperativeMatrixLayoutRowMajor);
}
""",
}


def parse_tables(paths):
    variants = []
    seen = set()
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                line = line.split("#", 1)[0].strip()
                if not line:
                    continue
                fields = line.split()
                if len(fields) < 2:
                    sys.exit(f"{path}:{number}: a line needs a name and a source")
                name, source = fields[0], fields[1]
                if name in seen:
                    sys.exit(f"{path}:{number}: variant {name} is listed twice")
                seen.add(name)
                defines, requires, probe = [], "", ""
                for field in fields[2:]:
                    if field.startswith("@requires="):
                        requires = field[len("@requires="):]
                    elif field.startswith("@probe="):
                        probe = field[len("@probe="):]
                    else:
                        defines.append(field)
                variants.append((name, source, defines, requires, probe))
    return variants


def probe(glslc, feature):
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "probe.comp")
        with open(src, "w") as f:
            f.write(PROBE_SOURCES[feature])
        result = subprocess.run([glslc, "--target-env=vulkan1.3", src, "-o",
                                 os.path.join(tmp, "probe.spv")],
                                capture_output=True, text=True)
        return result.returncode == 0


def compile_variant(glslc, src_dir, spv_dir, variant):
    name, source, defines, _, _ = variant
    out = os.path.join(spv_dir, name + ".spv")
    path = os.path.join(src_dir, source)
    # Debian 12's spirv-opt crashes on GL_NV_cooperative_matrix code, so
    # those kernels are compiled without -O (the driver optimises anyway).
    with open(path, encoding="utf-8") as f:
        optimise = "GL_NV_cooperative_matrix" not in f.read()
    command = [glslc, "--target-env=vulkan1.2", "-I", src_dir,
               "-fshader-stage=compute", path, "-o", out]
    if optimise:
        command.insert(2, "-O")
    command += ["-D" + d for d in defines]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        return name, None, result.stderr
    with open(out, "rb") as f:
        return name, f.read(), ""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--glslc", required=True)
    parser.add_argument("--src", required=True)
    parser.add_argument("--out-c", required=True)
    parser.add_argument("--out-h", required=True)
    parser.add_argument("--spv-dir", required=True)
    parser.add_argument("--depfile")
    parser.add_argument("tables", nargs="+")
    args = parser.parse_args()

    os.makedirs(args.spv_dir, exist_ok=True)
    variants = parse_tables(args.tables)
    probes = {feature: probe(args.glslc, feature) for feature in PROBE_SOURCES}
    kept = [v for v in variants if not v[4] or probes.get(v[4], False)]
    skipped = [v for v in variants if v not in kept]

    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(pool.map(lambda v: compile_variant(args.glslc, args.src,
                                                          args.spv_dir, v), kept))
    failed = [(n, e) for n, blob, e in results if blob is None]
    if failed:
        for name, error in failed:
            sys.stderr.write(f"shader variant {name} failed to compile:\n{error}\n")
        sys.exit(1)

    # A list of the .spv files lets the spirv-val test find them all.
    with open(os.path.join(args.spv_dir, "variants.txt"), "w") as f:
        for name, _, _ in results:
            f.write(name + ".spv\n")

    with open(args.out_h, "w") as h:
        h.write("/* Generated by shaders/gen-shaders.py: do not edit. */\n#pragma once\n\n")
        h.write("#include <stddef.h>\n#include <stdint.h>\n\n")
        h.write("typedef struct\n{\n  const char *name;\n  const uint32_t *words;\n"
                "  size_t n_words;\n  const char *requires;\n} ae_shader_blob;\n\n")
        h.write(f"#define AE_N_SHADERS {len(results)}\n")
        for feature, ok in sorted(probes.items()):
            macro = "AE_SHADERS_HAVE_" + feature.upper()
            h.write(f"#define {macro} {1 if ok else 0}\n")
        for v in skipped:
            h.write(f"/* left out: {v[0]} (compiler lacks {v[4]}) */\n")
        h.write("\nextern const ae_shader_blob ae_shaders[AE_N_SHADERS];\n")

    with open(args.out_c, "w") as c:
        c.write("/* Generated by shaders/gen-shaders.py: do not edit. */\n")
        c.write(f'#include "{os.path.basename(args.out_h)}"\n\n')
        requires = {v[0]: v[3] for v in kept}
        for index, (name, blob, _) in enumerate(results):
            words = [int.from_bytes(blob[i:i + 4], "little") for i in range(0, len(blob), 4)]
            c.write(f"static const uint32_t words_{index}[{len(words)}] = {{\n")
            for i in range(0, len(words), 8):
                c.write("  " + ", ".join(f"0x{w:08x}u" for w in words[i:i + 8]) + ",\n")
            c.write("};\n")
        c.write("\nconst ae_shader_blob ae_shaders[AE_N_SHADERS] = {\n")
        for index, (name, blob, _) in enumerate(results):
            c.write(f'  {{ "{name}", words_{index}, {len(blob) // 4}, "{requires[name]}" }},\n')
        c.write("};\n")

    if args.depfile:
        with open(args.depfile, "w") as d:
            sources = sorted(os.path.join(args.src, f) for f in os.listdir(args.src)
                             if f.endswith((".comp", ".glsl")))
            d.write(args.out_c + ": " + " ".join(sources + args.tables) + "\n")


if __name__ == "__main__":
    main()
