/* Darwin <Block.h>: the blocks runtime's copy and release. */
#pragma once
void *_Block_copy(const void *);
void _Block_release(const void *);
#define Block_copy(...) ((__typeof(__VA_ARGS__))_Block_copy((const void *)(__VA_ARGS__)))
#define Block_release(...) _Block_release((const void *)(__VA_ARGS__))
