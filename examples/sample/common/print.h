#ifndef SAMPLE_PRINT_H
#define SAMPLE_PRINT_H
#include "platform.h"
void print(const char *s);
void print_hex(u32 v);
/* An address, all of its digits (8 or 16). */
void print_addr(uptr v);
void print_dec(u32 v);
#endif
