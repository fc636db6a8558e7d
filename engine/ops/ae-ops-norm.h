/* ae-ops-norm.h */
#pragma once

#include "ae-engine.h"
