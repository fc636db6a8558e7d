/* ae-ref-conv.h */
#pragma once

#include <stddef.h>
#include <stdint.h>
