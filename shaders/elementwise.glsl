// elementwise.glsl: activations shared by the element-wise kernels.

// GELU, tanh form (T5's gelu_new, the DiT's "gelu-approximate"):
// 0.5 x (1 + tanh(u)) with u = sqrt(2/pi) (x + 0.044715 x^3), written as
// x / (1 + e^(-2u)), the same function, which stays finite where tanh's
// (e^2u - 1) / (e^2u + 1) would give inf / inf.
float gelu_tanh(float x)
{
    float u = 0.7978845608028654 * (x + 0.044715 * x * x * x);
    return x / (1.0 + exp(-2.0 * u));
}

float silu(float x)
{
    return x / (1.0 + exp(-x));
}
