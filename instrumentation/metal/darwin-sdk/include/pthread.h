/* Darwin <pthread.h>, only what mpstrace uses: opaque types with Darwin's
 * sizes and static initializers, and the _np calls. */
#pragma once
#include <sys/types.h>
#include <signal.h>
typedef struct _opaque_pthread_t *pthread_t;
typedef struct { long __sig; char __opaque[56]; } pthread_attr_t;
typedef struct { long __sig; char __opaque[56]; } pthread_mutex_t;
typedef struct { long __sig; char __opaque[8]; } pthread_once_t;
typedef unsigned long pthread_key_t;
#define PTHREAD_MUTEX_INITIALIZER {0x32AAABA7, {0}}
#define PTHREAD_ONCE_INIT {0x30B1BCBA, {0}}
#define PTHREAD_CREATE_JOINABLE 1
#define PTHREAD_CREATE_DETACHED 2
int pthread_create(pthread_t *restrict, const pthread_attr_t *restrict, void *(*)(void *), void *restrict);
int pthread_attr_init(pthread_attr_t *);
int pthread_attr_destroy(pthread_attr_t *);
int pthread_attr_setdetachstate(pthread_attr_t *, int);
int pthread_attr_setstacksize(pthread_attr_t *, size_t);
int pthread_mutex_lock(pthread_mutex_t *);
int pthread_mutex_unlock(pthread_mutex_t *);
int pthread_once(pthread_once_t *, void (*)(void));
int pthread_key_create(pthread_key_t *, void (*)(void *));
int pthread_setspecific(pthread_key_t, const void *);
void *pthread_getspecific(pthread_key_t);
pthread_t pthread_self(void);
int pthread_atfork(void (*)(void), void (*)(void), void (*)(void));
int pthread_sigmask(int, const sigset_t *restrict, sigset_t *restrict);
int pthread_threadid_np(pthread_t, uint64_t *);
int pthread_getname_np(pthread_t, char *, size_t);
int pthread_setname_np(const char *); /* Darwin: names the calling thread only */
