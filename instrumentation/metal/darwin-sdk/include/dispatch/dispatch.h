/* Darwin <dispatch/dispatch.h>, only what mpstrace uses, in the plain-C
 * object form (OS_OBJECT_USE_OBJC=0): dispatch objects as struct pointers. */
#pragma once
typedef struct dispatch_queue_s *dispatch_queue_t;
typedef struct dispatch_queue_attr_s *dispatch_queue_attr_t;
dispatch_queue_t dispatch_queue_create(const char *, dispatch_queue_attr_t);
