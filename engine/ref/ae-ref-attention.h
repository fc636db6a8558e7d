/* ae-ref-attention.h */
#pragma once

#include <stddef.h>
#include <stdint.h>
