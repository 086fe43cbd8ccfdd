#ifndef SAMPLE_WORK_H
#define SAMPLE_WORK_H
#include "platform.h"
/* One unit of work per timer tick: the result depends only on how many units ran. */
void work_init(u32 *buf, u32 words);
u32 work_unit(u32 *buf, u32 words, u32 unit);
#endif
