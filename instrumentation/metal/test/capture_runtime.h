/* In-memory stand-in for the portable runtime, so the hook tests can assert
 * on every field of every record without a file in between. The integration
 * test links the real runtime instead and checks the file with the TS reader. */
#ifndef CAPTURE_RUNTIME_H
#define CAPTURE_RUNTIME_H

#include <stdint.h>

typedef struct cap_rec {
  unsigned kind;
  int64_t ts;
  uint64_t tid;
  uint32_t site;
  uint64_t w[5]; /* payload words (fixed kinds are at most 5 words) */
} cap_rec;

/* Snapshot of the records written so far, in publication order. */
int cap_count(void);
const cap_rec *cap_get(int i);
void cap_clear(void);
const char *cap_string(uint32_t id);
int cap_inside(void); /* current mpst_enter depth on this thread */
uint64_t cap_tid(void);
uint8_t cap_backend(void); /* last mpst_set_backend() */

#endif
