/* ref-matmul.c */
#include "ref/ae-ref.h"
