/*
 * Process lifecycle: fork (the child gets its own file, the parent writes a
 * `fork` record naming it), exec (the old image writes `exec` and closes its
 * file; the new image is told a new MPSTRACE_OUT), fatal signals (process_end
 * once, then the previous disposition) and exit (process_end, truncate, closed
 * flag). Interposing fork/exec/exit needs ELF symbol interposition, so those
 * wrappers are Linux-only; pthread_atfork and signals work on macOS too.
 */
#define _GNU_SOURCE
#include "mpst_internal.h"

#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

extern char **environ;

/* ---- fork ------------------------------------------------------------------- */

static void atfork_child(void) {
  int s = atomic_load(&G.state);
  if (s != MPST_ON && s != MPST_CLOSED) return;
  /* the inherited mapping is the parent's file: never write to it again */
  munmap(G.base, (size_t)G.map_bytes);
  if (G.fd >= 0) mpst_real_close(G.fd); /* close() is interposed and would keep it */
  G.pid = (uint32_t)getpid();
  char path[sizeof G.path];
  char pid[24];
  snprintf(pid, sizeof pid, "%u", G.pid);
  mpst_derived_path(path, sizeof path, pid);
  G.proc_flags = 0; /* backend features (CUPTI) do not survive fork */
  mpst_threads_reset_after_fork();
  mpst_intern_reset();
  T.depth = 0;
  T.in_signal = 0;
  atomic_store(&G.state, MPST_INITIALIZING);
  if (mpst_open_file(path) != 0) {
    atomic_store(&G.state, MPST_DISABLED);
    return;
  }
  mpst_watchdog_start();
}

#ifdef __linux__
typedef pid_t (*fork_fn)(void);

MPST_EXPORT pid_t fork(void) {
  static fork_fn real;
  if (!real) real = (fork_fn)dlsym(RTLD_NEXT, "fork");
  int64_t ts = mpst_now();
  uint32_t site = 0;
  int rec = mpst_enter();
  if (rec) site = mpst_callsite(__builtin_return_address(0));
  pid_t pid = real();
  if (pid > 0 && rec) {
    char path[sizeof G.path], num[24];
    snprintf(num, sizeof num, "%d", (int)pid);
    mpst_derived_path(path, sizeof path, num);
    uint32_t file = mpst_intern(path);
    mpst_emit_fork_at(ts, site, (uint32_t)pid, G.pid, file);
  }
  if (rec && pid != 0) mpst_leave();
  if (pid == 0) T.depth = 0;
  return pid;
}

/* ---- exec ------------------------------------------------------------------- */

/* The new image gets MPSTRACE_OUT=<stem>.<pid>.exec<depth>.mpst (plus the
 * stem and depth) so it cannot overwrite this file. Returns a malloc'ed copy
 * of envp (exec is rare). */
static char **env_for_exec(char *const envp[]) {
  size_t n = 0;
  while (envp && envp[n]) n++;
  char **out = (char **)malloc((n + 5) * sizeof *out);
  if (!out) return NULL;
  static char out_var[sizeof G.path + 16], stem_var[sizeof G.stem + 16], depth_var[48], pid_var[48];
  char path[sizeof G.path], suffix[48];
  snprintf(suffix, sizeof suffix, "%u.exec%d", G.pid, G.exec_depth + 1);
  mpst_derived_path(path, sizeof path, suffix);
  snprintf(out_var, sizeof out_var, "MPSTRACE_OUT=%s", path);
  snprintf(stem_var, sizeof stem_var, "MPSTRACE_STEM=%s", G.stem);
  snprintf(depth_var, sizeof depth_var, "MPSTRACE_EXEC_DEPTH=%d", G.exec_depth + 1);
  snprintf(pid_var, sizeof pid_var, "MPSTRACE_PID=%u", G.pid);
  size_t j = 0;
  for (size_t i = 0; i < n; i++)
    if (strncmp(envp[i], "MPSTRACE_OUT=", 13) != 0 && strncmp(envp[i], "MPSTRACE_STEM=", 14) != 0 &&
        strncmp(envp[i], "MPSTRACE_EXEC_DEPTH=", 20) != 0 && strncmp(envp[i], "MPSTRACE_PID=", 13) != 0)
      out[j++] = envp[i];
  out[j++] = out_var;
  out[j++] = stem_var;
  out[j++] = depth_var;
  out[j++] = pid_var;
  out[j] = NULL;
  return out;
}

/* Writes exec + process_end and closes the file; 1 when it did (the caller
 * reopens it if exec fails). A vfork child shares our memory: it must not
 * touch the parent's trace, so it is recognized by its pid and skipped. */
static int before_exec(const char *path, const void *ra) {
  if (atomic_load(&G.state) != MPST_ON || (uint32_t)getpid() != G.pid || T.depth) return 0;
  T.depth++;
  uint32_t site = mpst_callsite(ra);
  mpst_emit_exec(site, mpst_intern(path));
  T.depth--;
  mpst_finish(0, MPST_END_REASON_EXEC);
  return 1;
}

typedef int (*execve_fn)(const char *, char *const[], char *const[]);

static int do_exec(const char *file, char *const argv[], char *const envp[], int search, const void *ra) {
  static execve_fn real_execve, real_execvpe;
  if (!real_execve) real_execve = (execve_fn)dlsym(RTLD_NEXT, "execve");
  if (!real_execvpe) real_execvpe = (execve_fn)dlsym(RTLD_NEXT, "execvpe");
  execve_fn fn = search ? real_execvpe : real_execve;
  /* a vfork child shares our memory: no allocation, no records; the new
   * image sees a foreign MPSTRACE_PID and names its own file */
  if (atomic_load(&G.state) != MPST_ON || (uint32_t)getpid() != G.pid) return fn(file, argv, envp);
  int closed = before_exec(file, ra);
  char **env = env_for_exec(envp);
  int rc = fn(file, argv, env ? env : envp);
  free(env);
  if (closed) mpst_reopen_after_failed_exec();
  return rc;
}

MPST_EXPORT int execve(const char *path, char *const argv[], char *const envp[]) {
  return do_exec(path, argv, envp, 0, __builtin_return_address(0));
}
MPST_EXPORT int execv(const char *path, char *const argv[]) { return do_exec(path, argv, environ, 0, __builtin_return_address(0)); }
MPST_EXPORT int execvp(const char *file, char *const argv[]) { return do_exec(file, argv, environ, 1, __builtin_return_address(0)); }
MPST_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[]) {
  return do_exec(file, argv, envp, 1, __builtin_return_address(0));
}

/* execl* are variadic: collect the arguments, then go through execve/execvpe */
#define COLLECT_ARGS(first, ap, argv, extra_env)                                                                                           \
  size_t n_ = 1;                                                                                                                           \
  va_start(ap, first);                                                                                                                     \
  while (va_arg(ap, char *)) n_++;                                                                                                         \
  va_end(ap);                                                                                                                              \
  char **argv = (char **)__builtin_alloca((n_ + 1) * sizeof(char *));                                                                      \
  va_start(ap, first);                                                                                                                     \
  argv[0] = (char *)first;                                                                                                                 \
  for (size_t i_ = 1; i_ <= n_; i_++) argv[i_] = va_arg(ap, char *);                                                                       \
  extra_env;                                                                                                                               \
  va_end(ap)

MPST_EXPORT int execl(const char *path, const char *arg, ...) {
  va_list ap;
  COLLECT_ARGS(arg, ap, argv, (void)0);
  return do_exec(path, argv, environ, 0, __builtin_return_address(0));
}
MPST_EXPORT int execlp(const char *file, const char *arg, ...) {
  va_list ap;
  COLLECT_ARGS(arg, ap, argv, (void)0);
  return do_exec(file, argv, environ, 1, __builtin_return_address(0));
}
MPST_EXPORT int execle(const char *path, const char *arg, ...) {
  va_list ap;
  char *const *envp;
  COLLECT_ARGS(arg, ap, argv, envp = va_arg(ap, char *const *));
  return do_exec(path, argv, envp, 0, __builtin_return_address(0));
}

/* ---- exit ------------------------------------------------------------------- */

typedef void (*exit_fn)(int) __attribute__((noreturn));

MPST_EXPORT void exit(int status) {
  static exit_fn real;
  if (!real) real = (exit_fn)dlsym(RTLD_NEXT, "exit");
  G.exit_status = status; /* process_end is written by the destructor, after atexit handlers */
  real(status);
}

/* A C program that returns from main exits inside libc without going through
 * exit()'s PLT entry; wrapping main is how its status reaches process_end. */
typedef int (*main_fn)(int, char **, char **);
typedef int (*start_main_fn)(main_fn, int, char **, void (*)(void), void (*)(void), void (*)(void), void *);
static main_fn real_main;

static int main_wrapper(int argc, char **argv, char **envp) {
  int rc = real_main(argc, argv, envp);
  G.exit_status = rc;
  return rc;
}

MPST_EXPORT int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void), void (*fini)(void), void (*rtld_fini)(void),
                                  void *stack_end) {
  start_main_fn real = (start_main_fn)dlsym(RTLD_NEXT, "__libc_start_main");
  real_main = main;
  return real(main_wrapper, argc, argv, init, fini, rtld_fini, stack_end);
}

MPST_EXPORT void _exit(int status) {
  static exit_fn real;
  if (!real) real = (exit_fn)dlsym(RTLD_NEXT, "_exit");
  mpst_finish(status, MPST_END_REASON_EXIT);
  real(status);
}
#endif /* __linux__ */

__attribute__((destructor)) static void mpst_at_exit(void) { mpst_finish(G.exit_status, MPST_END_REASON_EXIT); }

/* ---- signals ------------------------------------------------------------------ */

static const int fatal_signals[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGABRT, SIGSEGV, SIGBUS };
#define N_FATAL (sizeof fatal_signals / sizeof fatal_signals[0])
static struct sigaction previous[N_FATAL];

/* A store into the trace mapping faulted: someone truncated the trace file
 * under the recorder. The program must not die of the recorder's fault: the
 * rest of the mapping becomes anonymous memory (the interrupted store then
 * succeeds there when the handler returns) and recording stops. */
static int recover_mapping_fault(int sig, siginfo_t *info) {
  if ((sig != SIGBUS && sig != SIGSEGV) || !info || !G.base) return 0;
  uintptr_t a = (uintptr_t)info->si_addr, b = (uintptr_t)G.base;
  if (a < b || a >= b + G.map_bytes) return 0;
  uintptr_t page = a & ~(uintptr_t)(getpagesize() - 1);
  if (page < b) page = b;
  void *m = mmap((void *)page, (size_t)(b + G.map_bytes - page), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  if (m == MAP_FAILED) return 0;
  atomic_store(&G.grow_failed, 1);
  mpst_warning(MPST_WARNING_CODE_MAPPING_FAULT, 0, (uint64_t)(a - b));
  atomic_store(&G.state, MPST_DISABLED);
  return 1;
}

static void on_signal(int sig, siginfo_t *info, void *uctx) {
  if (recover_mapping_fault(sig, info)) return;
  size_t i = 0;
  while (i < N_FATAL && fatal_signals[i] != sig) i++;
  if (i == N_FATAL) return;
  struct sigaction *old = &previous[i];
  int old_is_handler =
      (old->sa_flags & SA_SIGINFO) ? old->sa_sigaction != NULL : (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN);
  if (old_is_handler) {
    /* the program handles this signal itself: it may well go on running */
    if (old->sa_flags & SA_SIGINFO) old->sa_sigaction(sig, info, uctx);
    else old->sa_handler(sig);
    return;
  }
  if (old->sa_handler == SIG_IGN && !(old->sa_flags & SA_SIGINFO)) return;
  /* default action ends the process: close the trace once, then die as before */
  mpst_tls *t = &T;
  t->in_signal++;
  t->pos = G.chunk_bytes; /* never append after a record this thread may be in the middle of */
  t->limit = 0;
  t->depth++;
  if ((uint32_t)getpid() == G.pid) mpst_finish(sig, sig == SIGABRT ? MPST_END_REASON_ABORT : MPST_END_REASON_SIGNAL);
  t->depth--;
  t->in_signal--;
  sigaction(sig, old, NULL);
  raise(sig); /* delivered when this handler returns (the signal is blocked here) */
}

void mpst_process_hooks_install(void) {
  static int once;
  if (once++) return;
  pthread_atfork(NULL, NULL, atfork_child);
  for (size_t i = 0; i < N_FATAL; i++) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    struct sigaction old;
    if (sigaction(fatal_signals[i], NULL, &old) != 0) continue;
    /* leave alone signals the program ignores (e.g. nohup's SIGHUP) */
    if (!(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_IGN) continue;
    previous[i] = old;
    sigaction(fatal_signals[i], &sa, NULL);
  }
}
