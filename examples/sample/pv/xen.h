/* PV flavour: Xen's interface (guest/paravirt.h) and what start of day handed us. */
#ifndef SAMPLE_XEN_H
#define SAMPLE_XEN_H
#include "../common/platform.h"
#include "paravirt.h"

extern struct start_info *xen_start_info;
/* shared_info is mapped here by console_init (the first platform call). */
extern struct shared_info *xen_shared;
#endif
