/* ref-norm.c */
#include "ref/ae-ref.h"
