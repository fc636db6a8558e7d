/* ae-ops-layout.h */
#pragma once

#include "ae-engine.h"
