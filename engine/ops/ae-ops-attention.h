/* ae-ops-attention.h */
#pragma once

#include "ae-engine.h"
