// types.glsl: storage types of kernel operands, chosen per variant.
//
// A variant defines TYPE_A .. TYPE_E (and TYPE_D for outputs) as F32, F16 or
// BF16.  For each letter X defined, this file gives:
//   X_T            the storage element type (float, float16_t, uint16_t)
//   X_T4           the 4-vector storage type
//   X_LOAD(v)      storage element -> float
//   X_LOAD4(v)     storage 4-vector -> vec4
//   X_PACK(f)      float -> storage element (bf16 rounds to nearest even)
//   X_PACK4(f)     vec4 -> storage 4-vector
// Arithmetic is always fp32; bf16 is kept as 16-bit words and widened here,
// since Debian 12's glslang has no bf16 type.

#define F32 0
#define F16 1
#define BF16 2

float bf16_to_f32(uint16_t w) { return uintBitsToFloat(uint(w) << 16); }
vec4 bf16x4_to_f32(u16vec4 w) { return uintBitsToFloat(uvec4(w) << 16); }
uint16_t f32_to_bf16(float f)
{
    uint u = floatBitsToUint(f);
    if ((u & 0x7f800000u) == 0x7f800000u && (u & 0x7fffffu) != 0u)
        return uint16_t((u >> 16) | 0x40u);
    u += 0x7fffu + ((u >> 16) & 1u);
    return uint16_t(u >> 16);
}
u16vec4 f32x4_to_bf16(vec4 f)
{
    return u16vec4(f32_to_bf16(f.x), f32_to_bf16(f.y), f32_to_bf16(f.z), f32_to_bf16(f.w));
}

#ifdef TYPE_A
#if TYPE_A == F32
#define A_T float
#define A_T4 vec4
#define A_LOAD(v) (v)
#define A_LOAD4(v) (v)
#define A_PACK(f) (f)
#define A_PACK4(f) (f)
#elif TYPE_A == F16
#define A_T float16_t
#define A_T4 f16vec4
#define A_LOAD(v) float(v)
#define A_LOAD4(v) vec4(v)
#define A_PACK(f) float16_t(f)
#define A_PACK4(f) f16vec4(f)
#elif TYPE_A == BF16
#define A_T uint16_t
#define A_T4 u16vec4
#define A_LOAD(v) bf16_to_f32(v)
#define A_LOAD4(v) bf16x4_to_f32(v)
#define A_PACK(f) f32_to_bf16(f)
#define A_PACK4(f) f32x4_to_bf16(f)
#else
#error TYPE_A must be F32, F16 or BF16
#endif
#endif

#ifdef TYPE_B
#if TYPE_B == F32
#define B_T float
#define B_T4 vec4
#define B_LOAD(v) (v)
#define B_LOAD4(v) (v)
#define B_PACK(f) (f)
#define B_PACK4(f) (f)
#elif TYPE_B == F16
#define B_T float16_t
#define B_T4 f16vec4
#define B_LOAD(v) float(v)
#define B_LOAD4(v) vec4(v)
#define B_PACK(f) float16_t(f)
#define B_PACK4(f) f16vec4(f)
#elif TYPE_B == BF16
#define B_T uint16_t
#define B_T4 u16vec4
#define B_LOAD(v) bf16_to_f32(v)
#define B_LOAD4(v) bf16x4_to_f32(v)
#define B_PACK(f) f32_to_bf16(f)
#define B_PACK4(f) f32x4_to_bf16(f)
#else
#error TYPE_B must be F32, F16 or BF16
#endif
#endif

#ifdef TYPE_C
#if TYPE_C == F32
#define C_T float
#define C_T4 vec4
#define C_LOAD(v) (v)
#define C_LOAD4(v) (v)
#define C_PACK(f) (f)
#define C_PACK4(f) (f)
#elif TYPE_C == F16
#define C_T float16_t
#define C_T4 f16vec4
#define C_LOAD(v) float(v)
#define C_LOAD4(v) vec4(v)
#define C_PACK(f) float16_t(f)
#define C_PACK4(f) f16vec4(f)
#elif TYPE_C == BF16
#define C_T uint16_t
#define C_T4 u16vec4
#define C_LOAD(v) bf16_to_f32(v)
#define C_LOAD4(v) bf16x4_to_f32(v)
#define C_PACK(f) f32_to_bf16(f)
#define C_PACK4(f) f32x4_to_bf16(f)
#else
#error TYPE_C must be F32, F16 or BF16
#endif
#endif

#ifdef TYPE_D
#if TYPE_D == F32
#define D_T float
#define D_T4 vec4
#define D_LOAD(v) (v)
#define D_LOAD4(v) (v)
#define D_PACK(f) (f)
#define D_PACK4(f) (f)
#elif TYPE_D == F16
#define D_T float16_t
#define D_T4 f16vec4
#define D_LOAD(v) float(v)
#define D_LOAD4(v) vec4(v)
#define D_PACK(f) float16_t(f)
#define D_PACK4(f) f16vec4(f)
#elif TYPE_D == BF16
#define D_T uint16_t
#define D_T4 u16vec4
#define D_LOAD(v) bf16_to_f32(v)
#define D_LOAD4(v) bf16x4_to_f32(v)
#define D_PACK(f) f32_to_bf16(f)
#define D_PACK4(f) f32x4_to_bf16(f)
#else
#error TYPE_D must be F32, F16 or BF16
#endif
#endif

#ifdef TYPE_E
#if TYPE_E == F32
#define E_T float
#define E_T4 vec4
#define E_LOAD(v) (v)
#define E_LOAD4(v) (v)
#define E_PACK(f) (f)
#define E_PACK4(f) (f)
#elif TYPE_E == F16
#define E_T float16_t
#define E_T4 f16vec4
#define E_LOAD(v) float(v)
#define E_LOAD4(v) vec4(v)
#define E_PACK(f) float16_t(f)
#define E_PACK4(f) f16vec4(f)
#elif TYPE_E == BF16
#define E_T uint16_t
#define E_T4 u16vec4
#define E_LOAD(v) bf16_to_f32(v)
#define E_LOAD4(v) bf16x4_to_f32(v)
#define E_PACK(f) f32_to_bf16(f)
#define E_PACK4(f) f32x4_to_bf16(f)
#else
#error TYPE_E must be F32, F16 or BF16
#endif
#endif
