/*
 * The trace file's descriptor, kept so that the traced program can never be
 * harmed through it, and the recorder's own warnings.
 *
 * Records go through the MAP_SHARED mapping, which stays valid whatever
 * happens to the descriptor; the descriptor is needed only to grow the file
 * (once per segment) and to truncate it at exit. Programs close descriptors
 * they did not open (daemons, test harnesses, process pools: close loops,
 * closefrom, close_range, dup2 of /dev/null over everything), and the next
 * file the program opens can get the number the recorder used. Growing or
 * truncating through that number would then grow or cut the program's file.
 *
 * Three layers, cheapest first:
 * 1. The descriptor sits at a high number (just below the soft descriptor
 *    limit, at most 1023) with FD_CLOEXEC, so a program's next open() after
 *    a close loop gets a low number, not the recorder's.
 * 2. close, closefrom, close_range, dup2 and dup3 are interposed. The
 *    recorder's descriptor is invisible to them: close() of it answers EBADF
 *    as it would without the recorder, the ranges skip it, and dup2()/dup3()
 *    onto its number first move the recorder's file to another number. The
 *    wrappers cost one compare for any other descriptor. They also take the
 *    grow lock before moving the descriptor, so no growth runs on a number
 *    that changes hands.
 * 3. Raw system calls (syscall(SYS_close_range), Go, io_uring) bypass the
 *    wrappers, so before every use the recorder fstat()s its descriptor and
 *    compares st_dev/st_ino with the file it created. If the number now names
 *    something else, it reopens the file by its absolute path (and checks the
 *    identity again); if that fails it stops growing the file and never uses
 *    the number again. Either way a recorder_warning record says so.
 * Why not only layer 3: the check cannot close the window between fstat()
 * and the call that follows; layer 2 does for everything that goes through
 * libc, and keeps the recorder's file open so no reopen is needed.
 *
 * Messages to stderr go out only while descriptor 2 is still the file it was
 * at start-up: a daemon that closed 0-2 and opened its data file as 2 must not
 * find recorder text in it.
 */
#define _GNU_SOURCE
#include "mpst_internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif

static dev_t trace_dev, stderr_dev;
static ino_t trace_ino, stderr_ino;
static int stderr_known;
static char abs_path[4096];

int mpst_real_close(int fd) {
#ifdef __linux__
  return (int)syscall(SYS_close, fd);
#else
  return close(fd);
#endif
}

static int same_file(int fd) {
  struct stat st;
  return fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == trace_dev && st.st_ino == trace_ino;
}

/* The highest free number below min(soft RLIMIT_NOFILE, 1024), close-on-exec;
 * the original descriptor is closed. Falls back to `fd` itself. */
static int move_high(int fd) {
  struct rlimit rl;
  long top = 1024;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && (long)rl.rlim_cur < top) top = (long)rl.rlim_cur;
  for (long want = top - 1; want > fd && want >= top - 64; want--) {
    int nfd = fcntl(fd, F_DUPFD_CLOEXEC, (int)want);
    if (nfd < 0) break;
    if (nfd == want) {
      mpst_real_close(fd);
      return nfd;
    }
    mpst_real_close(nfd); /* lowest free >= want is higher up: try lower */
  }
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  return fd;
}

int mpst_fd_adopt(int fd, const char *path) {
  struct stat st;
  if (fstat(fd, &st) != 0) return fd;
  trace_dev = st.st_dev;
  trace_ino = st.st_ino;
  if (path[0] == '/' || !getcwd(abs_path, sizeof abs_path)) snprintf(abs_path, sizeof abs_path, "%s", path);
  else {
    size_t n = strlen(abs_path);
    snprintf(abs_path + n, sizeof abs_path - n, "/%s", path);
  }
  if (!stderr_known && fstat(2, &st) == 0) {
    stderr_dev = st.st_dev;
    stderr_ino = st.st_ino;
    stderr_known = 1;
  }
  atomic_store(&G.fd_lost, 0);
  return move_high(fd);
}

/* ---- warnings ------------------------------------------------------------- */

static _Atomic uint32_t warn_pending, warn_done;
static int warn_err[8];
static uint64_t warn_value[8];

void mpst_warning(unsigned what, int err, uint64_t value) {
  if (what >= 8) return;
  uint32_t bit = 1u << what;
  if (atomic_load(&warn_done) & bit) return;
  warn_err[what] = err;
  warn_value[what] = value;
  atomic_fetch_or(&warn_pending, bit);
}

void mpst_flush_warnings(void) {
  uint32_t p = atomic_load_explicit(&warn_pending, memory_order_acquire);
  if (MPST_LIKELY(!p)) return;
  p = atomic_exchange(&warn_pending, 0);
  for (unsigned w = 0; w < 8; w++) {
    uint32_t bit = 1u << w;
    if (!(p & bit) || (atomic_fetch_or(&warn_done, bit) & bit)) continue;
    T.quiet++;
    mpst_recorder_warning *r = (mpst_recorder_warning *)mpst_record_begin(MPST_WORDS_RECORDER_WARNING);
    T.quiet--;
    if (!r) {
      /* no room now (the file cannot grow): shutdown writes it into a chunk's reserve */
      atomic_fetch_and(&warn_done, ~bit);
      atomic_fetch_or(&warn_pending, bit);
      continue;
    }
    r->what = w;
    r->err = warn_err[w];
    r->value = warn_value[w];
    mpst_record_end(r, MPST_K_RECORDER_WARNING, MPST_WORDS_RECORDER_WARNING, 0, mpst_now());
  }
}

void mpst_warnings_reset(void) {
  atomic_store(&warn_pending, 0);
  atomic_store(&warn_done, 0);
}

void mpst_msg(const char *fmt, ...) {
  struct stat st;
  if (T.in_signal || !stderr_known || fstat(2, &st) != 0 || st.st_dev != stderr_dev || st.st_ino != stderr_ino) return;
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n > (int)sizeof buf - 1) n = (int)sizeof buf - 1;
  if (n > 0) {
    ssize_t w = write(2, buf, (size_t)n);
    (void)w;
  }
}

/* ---- using the descriptor --------------------------------------------------- */

int mpst_trace_fd(void) {
  if (atomic_load(&G.fd_lost)) return -1;
  int fd = __atomic_load_n(&G.fd, __ATOMIC_ACQUIRE);
  if (same_file(fd)) return fd;
  /* the number was closed or now names another file: it is the program's */
  int nfd = open(abs_path, O_RDWR | O_CLOEXEC);
  if (nfd >= 0 && same_file(nfd)) {
    nfd = move_high(nfd);
    __atomic_store_n(&G.fd, nfd, __ATOMIC_RELEASE);
    mpst_warning(MPST_WARNING_CODE_FD_REOPENED, 0, (uint64_t)(int64_t)fd);
    mpst_msg("mpstrace: the program closed or replaced the trace file's descriptor %d; reopened %s and recording goes on.\n", fd, abs_path);
    return nfd;
  }
  int err = nfd >= 0 ? 0 : errno;
  if (nfd >= 0) mpst_real_close(nfd);
  __atomic_store_n(&G.fd, -1, __ATOMIC_RELEASE);
  atomic_store(&G.fd_lost, 1);
  mpst_warning(MPST_WARNING_CODE_FILE_LOST, err, (uint64_t)(int64_t)fd);
  mpst_msg(
      "mpstrace: the program closed or replaced the trace file's descriptor %d and %s cannot be reopened (%s); "
      "the trace keeps what fits in the space already allocated, later records are counted as lost.\n",
      fd, abs_path, err ? strerror(err) : "it is another file now");
  return -1;
}

/* ---- interposed descriptor calls (Linux: ELF symbol interposition) ---------- */
#ifdef __linux__

/* 1 when `fd` is the recorder's descriptor and still its file */
static int is_ours(int fd) {
  int g = __atomic_load_n(&G.fd, __ATOMIC_ACQUIRE);
  return g >= 0 && fd == g && same_file(g);
}

/* Takes the grow lock, so no growth or truncation runs while the descriptor
 * moves; gives up after a while rather than hang (a signal handler may have
 * interrupted the lock holder on this very thread). */
static int lock_fd(void) {
  for (int i = 0; i < 100000; i++) {
    int unlocked = 0;
    if (atomic_compare_exchange_strong(&G.grow_lock, &unlocked, 1)) return 1;
    sched_yield();
  }
  return 0;
}

static void unlock_fd(int locked) {
  if (locked) atomic_store(&G.grow_lock, 0);
}

/* dup2/dup3 onto the recorder's number: move the recorder's file away first */
static void vacate(int fd) {
  if (!is_ours(fd)) return;
  int locked = lock_fd();
  if (is_ours(fd)) {
    int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (nfd >= 0) nfd = move_high(nfd);
    /* with no number left the file is reopened by path on next use */
    __atomic_store_n(&G.fd, nfd, __ATOMIC_RELEASE);
  }
  unlock_fd(locked);
}

typedef int (*close_fn)(int);
typedef int (*close_range_fn)(unsigned, unsigned, int);
typedef void (*closefrom_fn)(int);
typedef int (*dup2_fn)(int, int);
typedef int (*dup3_fn)(int, int, int);

static void *next_sym(void **cache, const char *name) {
  void *f = __atomic_load_n(cache, __ATOMIC_ACQUIRE);
  if (!f) {
    f = dlsym(RTLD_NEXT, name);
    __atomic_store_n(cache, f, __ATOMIC_RELEASE);
  }
  return f;
}

static int sys_close_range(unsigned first, unsigned last, int flags) {
  static void *real;
  close_range_fn f = (close_range_fn)next_sym(&real, "close_range");
  if (f) return f(first, last, flags);
#ifdef SYS_close_range
  return (int)syscall(SYS_close_range, first, last, flags);
#else
  errno = ENOSYS;
  return -1;
#endif
}

MPST_EXPORT int close(int fd) {
  if (MPST_UNLIKELY(fd == __atomic_load_n(&G.fd, __ATOMIC_RELAXED)) && is_ours(fd)) {
    /* without the recorder this number would not be open */
    errno = EBADF;
    return -1;
  }
  static void *real;
  close_fn f = (close_fn)next_sym(&real, "close");
  return f ? f(fd) : mpst_real_close(fd);
}

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

MPST_EXPORT int close_range(unsigned first, unsigned last, int flags) {
  int g = __atomic_load_n(&G.fd, __ATOMIC_RELAXED);
  if (g >= 0 && !(flags & CLOSE_RANGE_CLOEXEC) && first <= (unsigned)g && (unsigned)g <= last && is_ours(g)) {
    /* close both sides of the recorder's descriptor */
    int rc = 0;
    if (first < (unsigned)g && sys_close_range(first, (unsigned)g - 1, flags) != 0) rc = -1;
    if ((unsigned)g < last && sys_close_range((unsigned)g + 1, last, flags) != 0) rc = -1;
    return rc;
  }
  return sys_close_range(first, last, flags);
}

MPST_EXPORT void closefrom(int low) {
  int g = __atomic_load_n(&G.fd, __ATOMIC_RELAXED);
  if (low < 0) low = 0;
  if (g >= low && is_ours(g)) {
    int ok = 1;
    if (low < g && sys_close_range((unsigned)low, (unsigned)g - 1, 0) != 0) ok = 0;
    if (ok && sys_close_range((unsigned)g + 1, ~0u, 0) != 0) ok = 0;
    if (ok) return;
    /* no close_range (old kernel): close one by one, skipping ours */
    struct rlimit rl;
    long top = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (1u << 20) ? (long)rl.rlim_cur : 1 << 20;
    for (long fd = low; fd < top; fd++)
      if (fd != g) mpst_real_close((int)fd);
    return;
  }
  static void *real;
  closefrom_fn f = (closefrom_fn)next_sym(&real, "closefrom");
  if (f) f(low);
  else sys_close_range((unsigned)low, ~0u, 0);
}

MPST_EXPORT int dup2(int oldfd, int newfd) {
  if (MPST_UNLIKELY(newfd == __atomic_load_n(&G.fd, __ATOMIC_RELAXED)) && oldfd != newfd) vacate(newfd);
  static void *real;
  dup2_fn f = (dup2_fn)next_sym(&real, "dup2");
  return f(oldfd, newfd);
}

MPST_EXPORT int dup3(int oldfd, int newfd, int flags) {
  if (MPST_UNLIKELY(newfd == __atomic_load_n(&G.fd, __ATOMIC_RELAXED)) && oldfd != newfd) vacate(newfd);
  static void *real;
  dup3_fn f = (dup3_fn)next_sym(&real, "dup3");
  return f(oldfd, newfd, flags);
}
#endif /* __linux__ */
