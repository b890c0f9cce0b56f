// mpstrace.torch's C++ op observer (torch_hook.cpp): which ops' accesses it
// records. An observer sees every dispatcher call, also ops called inside
// another op's kernel (the copy_ inside _to_copy): those touch what the
// outer op's schema already names, on the same stream, and recording them
// too reported each race twice. So only the outermost op that touches bytes
// on a thread is recorded; ops that touch nothing themselves (composites
// that only decompose, views, allocations) do not enclose: their parts are
// recorded. No torch here, so the rule is tested on its own
// (test/torch_hook_nesting_test.cpp).
#pragma once

template <int kMaxDepth>
struct TouchNesting {
  int open = 0; // ops that touch bytes, open on this thread
  bool touching[kMaxDepth] = {}; // the op at this depth touches bytes
  bool recorded[kMaxDepth] = {}; // ... and its accesses are recorded

  // every op's start, at its depth d < kMaxDepth
  void start(int d) { touching[d] = recorded[d] = false; }
  // an op at depth d that touches bytes: true when its accesses are recorded
  bool touches(int d) {
    touching[d] = true;
    if (open++ != 0) return false;
    recorded[d] = true;
    return true;
  }
  // every op's end at depth d: whether its accesses were recorded (its fresh outputs are, then)
  bool end(int d) {
    bool r = recorded[d];
    if (touching[d]) {
      touching[d] = recorded[d] = false;
      open--;
    }
    return r;
  }
};
