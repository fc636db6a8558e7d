/* ref-attention.c */
#include "ref/ae-ref.h"
