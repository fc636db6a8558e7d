/* ae-ref-norm.h */
#pragma once

#include <stddef.h>
#include <stdint.h>
