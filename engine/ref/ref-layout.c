/* ref-layout.c */
#include "ref/ae-ref.h"
