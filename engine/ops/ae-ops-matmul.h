/* ae-ops-matmul.h */
#pragma once

#include "ae-engine.h"
