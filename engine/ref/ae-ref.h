/* ae-ref.h: naive C references for every kernel, one file per family.
 *
 * Plain loops, double accumulation where sums are long, no tricks: they are
 * what the kernels are tested against (and what ALLEGRO_CHECK compares with).
 * Inputs are float arrays already rounded to the kernel's storage type.
 */
#pragma once

#include "ref/ae-ref-elementwise.h"
#include "ref/ae-ref-matmul.h"
#include "ref/ae-ref-attention.h"
#include "ref/ae-ref-norm.h"
#include "ref/ae-ref-conv.h"
#include "ref/ae-ref-layout.h"
