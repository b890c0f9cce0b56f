/* Darwin <sched.h>, only what mpstrace uses. */
#pragma once
int sched_yield(void);
