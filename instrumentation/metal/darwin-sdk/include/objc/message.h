/* Darwin <objc/message.h>: mpstrace never calls objc_msgSend through a
 * variadic prototype (it looks the IMP up instead), so only the name. */
#pragma once
#include <objc/runtime.h>
void objc_msgSend(void);
