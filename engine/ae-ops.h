/* ae-ops.h: every kernel the engine records, one header per family.
 *
 * Conventions for all ops:
 *  - the first argument is the stream the kernel is recorded into; nothing
 *    runs until the stream is flushed or finished;
 *  - outputs come first, then inputs; outputs are allocated by the caller;
 *  - float tensors may be f32, f16 or bf16 (stored as 16-bit words);
 *    arithmetic is fp32 in every variant;
 *  - on a bad shape or dtype the op records nothing and fills `error`
 *    with a sentence naming the op and the tensors.
 */
#pragma once

#include "ae-engine.h"
#include "ops/ae-ops-elementwise.h"
#include "ops/ae-ops-matmul.h"
#include "ops/ae-ops-attention.h"
#include "ops/ae-ops-norm.h"
#include "ops/ae-ops-conv.h"
#include "ops/ae-ops-layout.h"
