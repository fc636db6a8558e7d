/* ae-ref-layout.h */
#pragma once

#include <stddef.h>
#include <stdint.h>
