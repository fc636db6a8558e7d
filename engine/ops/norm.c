/* norm.c */
#include "ae-internal.h"
#include "ae-ops.h"
