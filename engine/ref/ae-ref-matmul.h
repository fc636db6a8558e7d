/* ae-ref-matmul.h */
#pragma once

#include <stddef.h>
#include <stdint.h>
