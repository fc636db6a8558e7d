/* ref-conv.c */
#include "ref/ae-ref.h"
