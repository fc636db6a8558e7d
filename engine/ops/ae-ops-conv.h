/* ae-ops-conv.h */
#pragma once

#include "ae-engine.h"
